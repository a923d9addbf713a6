package registry

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubemedic/kubemedic/platform/config"
)

// Credentials turns a cluster's credential source into a client config.
type Credentials struct {
	// Home reads Secret-held kubeconfigs from the cluster kubemedic runs in.
	// Default: built from the in-cluster service account on first use.
	Home kubernetes.Interface
}

// RESTConfig builds the client config of c. Nothing is contacted except, for
// a Secret source, the home cluster's API server.
func (cr *Credentials) RESTConfig(ctx context.Context, c config.Cluster) (*rest.Config, error) {
	overrides := &clientcmd.ConfigOverrides{CurrentContext: c.Context}
	switch {
	case c.Kubeconfig != "":
		rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: c.Kubeconfig}
		rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("loading kubeconfig %s: %w", c.Kubeconfig, err)
		}
		return rc, nil
	case c.InCluster:
		rc, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("in-cluster credentials: %w", err)
		}
		return rc, nil
	case c.Secret != nil:
		home := cr.Home
		if home == nil {
			rc, err := rest.InClusterConfig()
			if err != nil {
				return nil, fmt.Errorf("reading Secret %s/%s needs in-cluster credentials: %w", c.Secret.Namespace, c.Secret.Name, err)
			}
			if home, err = kubernetes.NewForConfig(rc); err != nil {
				return nil, err
			}
		}
		s, err := home.CoreV1().Secrets(c.Secret.Namespace).Get(ctx, c.Secret.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("reading Secret %s/%s: %w", c.Secret.Namespace, c.Secret.Name, err)
		}
		key := c.Secret.Key
		if key == "" {
			key = "kubeconfig"
		}
		data, ok := s.Data[key]
		if !ok {
			return nil, fmt.Errorf("secret %s/%s has no key %q", c.Secret.Namespace, c.Secret.Name, key)
		}
		raw, err := clientcmd.Load(data)
		if err != nil {
			return nil, fmt.Errorf("secret %s/%s key %s is not a kubeconfig: %w", c.Secret.Namespace, c.Secret.Name, key, err)
		}
		rc, err := clientcmd.NewNonInteractiveClientConfig(*raw, c.Context, overrides, nil).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("secret %s/%s key %s: %w", c.Secret.Namespace, c.Secret.Name, key, err)
		}
		return rc, nil
	}
	return nil, fmt.Errorf("cluster %s has no credential source", c.Name)
}
