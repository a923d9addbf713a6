package rules

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Providers DetectProvider can return.
const (
	ProviderNKS     = "nks"
	ProviderTKE     = "tke"
	ProviderAKS     = "aks"
	ProviderGeneric = "generic"
)

// DetectProvider names the managed Kubernetes offering from node providerIDs
// and labels; the first node that says anything decides. Clusters whose nodes
// say nothing (kind, kwok, bare metal) are "generic".
func DetectProvider(nodes []*corev1.Node) string {
	for _, n := range nodes {
		if p := nodeProvider(n); p != "" {
			return p
		}
	}
	return ProviderGeneric
}

func nodeProvider(n *corev1.Node) string {
	id := n.Spec.ProviderID
	switch {
	case strings.HasPrefix(id, "navercloudplatform://"):
		return ProviderNKS
	case strings.HasPrefix(id, "qcloud://"), strings.HasPrefix(id, "tencentcloud://"):
		return ProviderTKE
	case strings.HasPrefix(id, "azure://"):
		return ProviderAKS
	}
	if n.Labels["node.kubernetes.io/instance-type"] == "eklet" {
		return ProviderTKE // a TKE Serverless super node
	}
	for k := range n.Labels {
		switch {
		case strings.HasPrefix(k, "ncloud.com/"):
			return ProviderNKS
		case strings.HasPrefix(k, "cloud.tencent.com/"), strings.HasPrefix(k, "tke.cloud.tencent.com/"):
			return ProviderTKE
		case strings.HasPrefix(k, "kubernetes.azure.com/"):
			return ProviderAKS
		}
	}
	return ""
}
