package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/kubemedic/kubemedic/platform/config"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// CredentialsFromConfig turns the configured API tokens into credentials:
// a token given by hash is used as is; one given by file or environment
// (the older form) is read and hashed.
func CredentialsFromConfig(tokens []config.Token) ([]Credential, error) {
	var out []Credential
	for _, t := range tokens {
		c := Credential{
			Name:     t.Name,
			Hash:     t.Hash,
			Clusters: t.Clusters,
			Rate:     t.Rate,
			Burst:    t.Burst,
			Identity: &kubemedicv1.Identity{
				KubernetesUser:   t.KubernetesUser,
				KubernetesGroups: t.KubernetesGroups,
				TokenName:        t.Name,
			},
			Trusted: t.Trusted,
		}
		for _, s := range t.Scopes {
			c.Scopes = append(c.Scopes, Scope(s))
		}
		if t.Hash == "" {
			v, err := config.ReadSecret(t.File, t.Env)
			if err != nil {
				return nil, fmt.Errorf("gateway token %s: %w", t.Name, err)
			}
			if v == "" {
				return nil, fmt.Errorf("gateway token %s: environment variable %s is empty and no file is set", t.Name, t.Env)
			}
			c.Hash = HashToken(v)
		}
		out = append(out, c)
	}
	return out, nil
}

// TLSConfig builds the server TLS configuration of gateway.tls: nil when
// TLS is off; with a client CA, every caller must present a certificate
// it signed.
func TLSConfig(c config.TLS) (*tls.Config, error) {
	if c.CertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("gateway.tls: loading certificate: %w", err)
	}
	out := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if c.ClientCAFile != "" {
		pem, err := os.ReadFile(c.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("gateway.tls.client_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("gateway.tls.client_ca_file: no PEM certificate found in " + c.ClientCAFile)
		}
		out.ClientCAs = pool
		out.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return out, nil
}
