package gateway

import (
	"fmt"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// CredentialsFromConfig reads the token values of the configured API tokens.
func CredentialsFromConfig(tokens []config.Token) ([]Credential, error) {
	var out []Credential
	for _, t := range tokens {
		v, err := config.ReadSecret(t.File, t.Env)
		if err != nil {
			return nil, fmt.Errorf("gateway token %s: %w", t.Name, err)
		}
		if v == "" {
			return nil, fmt.Errorf("gateway token %s: environment variable %s is empty and no file is set", t.Name, t.Env)
		}
		out = append(out, Credential{
			Name:  t.Name,
			Token: v,
			Identity: &kubemedicv1.Identity{
				KubernetesUser:   t.KubernetesUser,
				KubernetesGroups: t.KubernetesGroups,
				TokenName:        t.Name,
			},
			Trusted: t.Trusted,
		})
	}
	return out, nil
}
