package controlplane

import (
	"fmt"
	"os"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// writeKubeconfig writes a self-contained kubeconfig (certificates embedded)
// for identity id.
func writeKubeconfig(path, server string, p *pki, id identity) error {
	ca, err := os.ReadFile(p.caFile())
	if err != nil {
		return fmt.Errorf("read CA: %w", err)
	}
	cert, err := os.ReadFile(p.path(id.file + ".crt"))
	if err != nil {
		return fmt.Errorf("read certificate of %s: %w", id.user, err)
	}
	key, err := os.ReadFile(p.path(id.file + ".key"))
	if err != nil {
		return fmt.Errorf("read key of %s: %w", id.user, err)
	}
	const name = "kubemedic-test"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos[id.user] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: id.user, Namespace: "default"}
	cfg.CurrentContext = name
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return nil
}
