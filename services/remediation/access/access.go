// Package access makes kubemedic act as the human behind a request.
//
// Writes go through a client that impersonates the person's Kubernetes user
// and groups (rest.Config.Impersonate), so cluster RBAC decides and the
// cluster's audit log names the person. Before any write, a
// SubjectAccessReview created with the service's own credentials checks
// every permission the action needs, so a refusal names the missing verb,
// resource and namespace instead of failing half-way through.
package access

import (
	"context"
	"errors"
	"fmt"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Permission is one Kubernetes permission an action needs.
type Permission struct {
	// Verb is e.g. "patch", "create", "delete".
	Verb string
	// Group is the API group; "" for the core group.
	Group string
	// Resource is the plural resource, e.g. "nodes", "configmaps".
	Resource string
	// Subresource is e.g. "scale" or "eviction"; empty for none.
	Subresource string
	// Namespace is empty for cluster-scoped resources.
	Namespace string
	// Name is the object name; empty for any.
	Name string
}

// String writes the permission the way kubectl auth can-i reads it.
func (p Permission) String() string {
	res := p.Resource
	if p.Group != "" {
		res += "." + p.Group
	}
	if p.Subresource != "" {
		res += "/" + p.Subresource
	}
	s := p.Verb + " " + res
	if p.Name != "" {
		s += " " + p.Name
	}
	if p.Namespace != "" {
		s += " -n " + p.Namespace
	}
	return s
}

// Denied is returned when the person lacks a permission.
type Denied struct {
	// User is the impersonated Kubernetes user.
	User string
	// Missing is the first permission RBAC refused.
	Missing Permission
	// Reason is the authorizer's reason, when it gave one.
	Reason string
}

func (d *Denied) Error() string {
	ns := d.Missing.Namespace
	if ns == "" {
		ns = "(클러스터 범위 / cluster scope)"
	}
	res := d.Missing.Resource
	if d.Missing.Subresource != "" {
		res += "/" + d.Missing.Subresource
	}
	return fmt.Sprintf("쿠버네티스 RBAC가 %s에게 %s 권한을 주지 않습니다: verb=%s resource=%s namespace=%s (Kubernetes RBAC does not allow %s to %s)",
		d.User, res, d.Missing.Verb, res, ns, d.User, d.Missing)
}

// Impersonate returns a copy of base that acts as id. It refuses an identity
// without a Kubernetes user: nothing is ever written as the service itself.
func Impersonate(base *rest.Config, id *kubemedicv1.Identity) (*rest.Config, error) {
	if id.GetKubernetesUser() == "" {
		return nil, errors.New("요청자에게 쿠버네티스 사용자가 없어 대신 실행할 수 없습니다 (the identity has no Kubernetes user to impersonate)")
	}
	cfg := rest.CopyConfig(base)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: id.GetKubernetesUser(),
		Groups:   append([]string(nil), id.GetKubernetesGroups()...),
	}
	return cfg, nil
}

// Check asks the API server, with the service's own client, whether id holds
// every permission. It returns *Denied for the first one refused.
func Check(ctx context.Context, service kubernetes.Interface, id *kubemedicv1.Identity, perms []Permission) error {
	for _, p := range perms {
		sar := &authorizationv1.SubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{
				User:   id.GetKubernetesUser(),
				Groups: id.GetKubernetesGroups(),
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Namespace:   p.Namespace,
					Verb:        p.Verb,
					Group:       p.Group,
					Resource:    p.Resource,
					Subresource: p.Subresource,
					Name:        p.Name,
				},
			},
		}
		got, err := service.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("checking %q for %s with a SubjectAccessReview: %w", p, id.GetKubernetesUser(), err)
		}
		if !got.Status.Allowed || got.Status.Denied {
			return &Denied{User: id.GetKubernetesUser(), Missing: p, Reason: strings.TrimSpace(got.Status.Reason)}
		}
	}
	return nil
}
