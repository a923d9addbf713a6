package registry_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/services/fleet/natstest"
	"github.com/kubemedic/kubemedic/services/fleet/registry"
)

func names(cs []config.Cluster) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return strings.Join(out, ",")
}

func TestRegistry(t *testing.T) {
	_, _, js := natstest.Single(t)
	ctx := t.Context()
	configured := []config.Cluster{
		{Name: "prod-a", Provider: "nks", Kubeconfig: "/k/a", Labels: map[string]string{"env": "prod", "team": "pay"}},
		{Name: "dev-a", Kubeconfig: "/k/d", Labels: map[string]string{"env": "dev"}},
	}
	r, err := registry.New(ctx, registry.Options{Configured: configured, JetStream: js})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Register(ctx, config.Cluster{Name: "prod-b", Provider: "tke", InCluster: true, Labels: map[string]string{"env": "prod", "team": "data"}}); err != nil {
		t.Fatal(err)
	}
	// A second replica sees API-registered clusters through the bucket.
	r2, err := registry.New(ctx, registry.Options{Configured: configured, JetStream: js})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		selector, want string
	}{
		{"", "dev-a,prod-a,prod-b"},
		{"env=prod", "prod-a,prod-b"},
		{"env=prod,team!=data", "prod-a"},
		{"provider=tke", "prod-b"},
		{"provider in (nks,generic)", "dev-a,prod-a"},
		{"region=kr", ""},
	}
	for _, tt := range tests {
		got, err := r2.Select(ctx, tt.selector)
		if err != nil {
			t.Fatalf("%q: %v", tt.selector, err)
		}
		if names(got) != tt.want {
			t.Errorf("Select(%q) = %s, want %s", tt.selector, names(got), tt.want)
		}
	}
	if _, err := r.Select(ctx, "env==,"); err == nil || !strings.Contains(err.Error(), "레이블 셀렉터") {
		t.Errorf("bad selector error = %v", err)
	}
	if _, err := r.Register(ctx, config.Cluster{Name: "prod-a", InCluster: true}); !errors.Is(err, registry.ErrConfigured) {
		t.Errorf("replacing a configured cluster: %v", err)
	}
	if err := r.Deregister(ctx, "dev-a"); !errors.Is(err, registry.ErrConfigured) {
		t.Errorf("removing a configured cluster: %v", err)
	}
	if err := r.Deregister(ctx, "prod-b"); err != nil {
		t.Fatal(err)
	}
	if err := r.Deregister(ctx, "prod-b"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	if got, _ := r2.List(ctx); names(got) != "dev-a,prod-a" {
		t.Errorf("after deregister: %s", names(got))
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		c    config.Cluster
		want []string
	}{
		{"ok", config.Cluster{Name: "a", Kubeconfig: "/k"}, nil},
		{"bad name", config.Cluster{Name: "a b", Kubeconfig: "/k"}, []string{"cluster name \"a b\""}},
		{"no source", config.Cluster{Name: "a"}, []string{"exactly one credential source"}},
		{"two sources", config.Cluster{Name: "a", Kubeconfig: "/k", InCluster: true}, []string{"exactly one credential source"}},
		{"secret without name", config.Cluster{Name: "a", Secret: &config.SecretRef{Namespace: "x"}}, []string{"namespace and a name"}},
		{"bad provider", config.Cluster{Name: "a", Provider: "eks", InCluster: true}, []string{"provider \"eks\""}},
		{"bad label", config.Cluster{Name: "a", InCluster: true, Labels: map[string]string{"env": "a b"}}, []string{"label env=a b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := registry.Validate(tt.c)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, registry.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
		})
	}
}

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
- name: d
  cluster: {server: "https://127.0.0.1:7443"}
contexts:
- name: c
  context: {cluster: c, user: u}
- name: d
  context: {cluster: d, user: u}
current-context: c
users:
- name: u
  user: {token: abc}
`

func TestCredentials(t *testing.T) {
	f := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(f, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	home := fake.NewClientset(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kubemedic", Name: "prod"},
		Data:       map[string][]byte{"kubeconfig": []byte(kubeconfig), "junk": []byte("not: [yaml")},
	})
	cr := &registry.Credentials{Home: home}
	tests := []struct {
		name, server, err string
		c                 config.Cluster
	}{
		{name: "file", c: config.Cluster{Name: "a", Kubeconfig: f}, server: "https://127.0.0.1:6443"},
		{name: "file context", c: config.Cluster{Name: "a", Kubeconfig: f, Context: "d"}, server: "https://127.0.0.1:7443"},
		{name: "missing file", c: config.Cluster{Name: "a", Kubeconfig: f + ".nope"}, err: "loading kubeconfig"},
		{name: "secret", c: config.Cluster{Name: "a", Secret: &config.SecretRef{Namespace: "kubemedic", Name: "prod"}}, server: "https://127.0.0.1:6443"},
		{name: "secret context", c: config.Cluster{Name: "a", Context: "d", Secret: &config.SecretRef{Namespace: "kubemedic", Name: "prod", Key: "kubeconfig"}}, server: "https://127.0.0.1:7443"},
		{name: "secret key missing", c: config.Cluster{Name: "a", Secret: &config.SecretRef{Namespace: "kubemedic", Name: "prod", Key: "nope"}}, err: `no key "nope"`},
		{name: "secret not a kubeconfig", c: config.Cluster{Name: "a", Secret: &config.SecretRef{Namespace: "kubemedic", Name: "prod", Key: "junk"}}, err: "not a kubeconfig"},
		{name: "secret missing", c: config.Cluster{Name: "a", Secret: &config.SecretRef{Namespace: "kubemedic", Name: "other"}}, err: "not found"},
		{name: "in-cluster outside a pod", c: config.Cluster{Name: "a", InCluster: true}, err: "in-cluster credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := cr.RESTConfig(t.Context(), tt.c)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rc.Host != tt.server || rc.BearerToken != "abc" {
				t.Errorf("host %s token %q", rc.Host, rc.BearerToken)
			}
		})
	}
}
