package controlplane

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The limited user is what tests of impersonation and RBAC refusals act as:
// it may read most objects cluster-wide (the built-in "view" role, which
// excludes Secrets, plus nodes) and impersonate users, groups and service
// accounts, but write nothing itself. Whatever an impersonated identity may do is decided by
// the bindings a test creates for that identity.
const (
	LimitedUser  = "kubemedic-limited"
	LimitedGroup = "kubemedic:limited"
	// LimitedRole is the ClusterRole granting impersonation and node reads
	// on top of "view".
	LimitedRole = "kubemedic:limited"
)

func grantLimitedUser(ctx context.Context, cs kubernetes.Interface) error {
	rbac := cs.RbacV1()
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: LimitedRole},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"users", "groups", "serviceaccounts"}, Verbs: []string{"impersonate"}},
			{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch"}},
		},
	}
	if _, err := rbac.ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create ClusterRole %s: %w", role.Name, err)
	}
	for _, b := range []struct{ name, role string }{
		{"kubemedic:limited-view", "view"},
		{"kubemedic:limited", LimitedRole},
	} {
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: b.name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: b.role},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: LimitedUser}},
		}
		if _, err := rbac.ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create ClusterRoleBinding %s: %w", binding.Name, err)
		}
	}
	return nil
}
