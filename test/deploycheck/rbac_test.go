package deploycheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
)

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// strictDecoder decodes YAML manifests into Kubernetes API types and fails
// on unknown or duplicate fields.
var strictDecoder = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
	kjson.SerializerOptions{Yaml: true, Strict: true})

// decodeManifests strictly decodes every document of a multi-document YAML
// stream. Empty and comment-only documents are skipped.
func decodeManifests(name, text string) ([]runtime.Object, error) {
	var out []runtime.Object
	for i, doc := range docSeparator.Split(text, -1) {
		if isBlankYAML(doc) {
			continue
		}
		obj, _, err := strictDecoder.Decode([]byte(doc), nil, nil)
		if err != nil {
			return nil, fmt.Errorf("%s, document %d: %w\n%s", name, i+1, err, doc)
		}
		out = append(out, obj)
	}
	return out, nil
}

func isBlankYAML(doc string) bool {
	for _, l := range strings.Split(doc, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// ruleAllows reports whether rules allow verb on group/resource.
func ruleAllows(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
	for _, r := range rules {
		if (slices.Contains(r.APIGroups, group) || slices.Contains(r.APIGroups, "*")) &&
			(slices.Contains(r.Resources, resource) || slices.Contains(r.Resources, "*")) &&
			(slices.Contains(r.Verbs, verb) || slices.Contains(r.Verbs, "*")) {
			return true
		}
	}
	return false
}

// checkNoWildcards rejects "*" anywhere in rules.
func checkNoWildcards(t *testing.T, where string, rules []rbacv1.PolicyRule) {
	t.Helper()
	for i, r := range rules {
		for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs, r.ResourceNames} {
			if slices.Contains(list, "*") {
				t.Errorf("%s rule %d uses a wildcard: %+v", where, i, r)
			}
		}
		if len(r.NonResourceURLs) > 0 {
			t.Errorf("%s rule %d grants non-resource URLs %v", where, i, r.NonResourceURLs)
		}
	}
}

// checkReaderRules asserts the collector/analyzer role only reads, never
// Secrets, and covers what the analyzer rules look at.
func checkReaderRules(t *testing.T, where string, rules []rbacv1.PolicyRule) {
	t.Helper()
	checkNoWildcards(t, where, rules)
	for i, r := range rules {
		for _, v := range r.Verbs {
			if v != "get" && v != "list" && v != "watch" {
				t.Errorf("%s rule %d grants %q; the reader role is read-only (get, list, watch)", where, i, v)
			}
		}
		if slices.Contains(r.Resources, "secrets") {
			t.Errorf("%s rule %d reads Secrets", where, i)
		}
	}
	needed := []struct{ group, resource string }{
		{"", "pods"}, {"", "nodes"}, {"", "events"}, {"", "services"}, {"", "endpoints"},
		{"", "persistentvolumeclaims"}, {"apps", "deployments"}, {"apps", "replicasets"},
		{"apps", "statefulsets"}, {"apps", "daemonsets"}, {"networking.k8s.io", "ingresses"},
		{"networking.k8s.io", "ingressclasses"}, {"policy", "poddisruptionbudgets"},
		{"autoscaling", "horizontalpodautoscalers"},
	}
	for _, n := range needed {
		for _, verb := range []string{"get", "list", "watch"} {
			if !ruleAllows(rules, n.group, n.resource, verb) {
				t.Errorf("%s cannot %s %s (group %q), which the collector watches", where, verb, n.resource, n.group)
			}
		}
	}
}

// checkRemediationRules asserts the remediation role allows only
// impersonation of named users/groups plus get on what actions plan against.
func checkRemediationRules(t *testing.T, where string, rules []rbacv1.PolicyRule, requireUsers bool) {
	t.Helper()
	checkNoWildcards(t, where, rules)
	impersonates := map[string]bool{}
	for i, r := range rules {
		switch {
		case slices.Equal(r.Verbs, []string{"impersonate"}):
			if !slices.Equal(r.APIGroups, []string{""}) {
				t.Errorf("%s rule %d impersonates in API groups %q; only users and groups (core group) are allowed", where, i, r.APIGroups)
			}
			for _, res := range r.Resources {
				if res != "users" && res != "groups" {
					t.Errorf("%s rule %d impersonates %q; only users and groups are allowed", where, i, res)
				}
				impersonates[res] = true
			}
			if len(r.ResourceNames) == 0 {
				t.Errorf("%s rule %d impersonates any %v; list resourceNames (any group includes system:masters)", where, i, r.Resources)
			}
			if slices.Contains(r.ResourceNames, "system:masters") {
				t.Errorf("%s rule %d may impersonate system:masters (cluster-admin)", where, i)
			}
		case slices.Equal(r.Verbs, []string{"get"}):
		default:
			t.Errorf("%s rule %d grants %q; remediation may only impersonate and get (writes run as the impersonated person)", where, i, r.Verbs)
		}
	}
	if !impersonates["groups"] {
		t.Errorf("%s cannot impersonate any group", where)
	}
	if requireUsers && !impersonates["users"] {
		t.Errorf("%s cannot impersonate any user", where)
	}
	for _, n := range []struct{ group, resource string }{
		{"", "nodes"}, {"", "pods"}, {"", "configmaps"}, {"apps", "deployments"}, {"apps", "deployments/scale"},
	} {
		if !ruleAllows(rules, n.group, n.resource, "get") {
			t.Errorf("%s cannot get %s, which remediation plans against", where, n.resource)
		}
	}
}

// normalizeRules sorts rules and their lists so two renderings of the same
// rules compare equal.
func normalizeRules(rules []rbacv1.PolicyRule) []string {
	var out []string
	for _, r := range rules {
		s := func(l []string) string { c := slices.Clone(l); sort.Strings(c); return strings.Join(c, ",") }
		out = append(out, fmt.Sprintf("groups=%s resources=%s verbs=%s names=%s", s(r.APIGroups), s(r.Resources), s(r.Verbs), s(r.ResourceNames)))
	}
	sort.Strings(out)
	return out
}

// plainRBAC is everything under deploy/rbac.
type plainRBAC struct {
	clusterRoles    map[string]*rbacv1.ClusterRole
	bindings        []*rbacv1.ClusterRoleBinding
	roleBindings    []*rbacv1.RoleBinding
	serviceAccounts map[string]*corev1.ServiceAccount // namespace/name
}

func readPlainRBAC(t *testing.T, root string) plainRBAC {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "deploy", "rbac", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no YAML under deploy/rbac (%v)", err)
	}
	p := plainRBAC{clusterRoles: map[string]*rbacv1.ClusterRole{}, serviceAccounts: map[string]*corev1.ServiceAccount{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := decodeManifests(filepath.Base(f), string(b))
		if err != nil {
			t.Fatalf("deploy/rbac: %v", err)
		}
		for _, o := range objs {
			switch o := o.(type) {
			case *rbacv1.ClusterRole:
				p.clusterRoles[o.Name] = o
			case *rbacv1.ClusterRoleBinding:
				p.bindings = append(p.bindings, o)
			case *rbacv1.RoleBinding:
				p.roleBindings = append(p.roleBindings, o)
			case *corev1.ServiceAccount:
				p.serviceAccounts[o.Namespace+"/"+o.Name] = o
			case *corev1.Namespace:
			default:
				t.Errorf("%s: unexpected %T in deploy/rbac", filepath.Base(f), o)
			}
		}
	}
	return p
}

// boundServiceAccounts returns the service accounts (namespace/name) bound
// to the ClusterRole role.
func boundServiceAccounts(bindings []*rbacv1.ClusterRoleBinding, role string) []string {
	var out []string
	for _, b := range bindings {
		if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != role {
			continue
		}
		for _, s := range b.Subjects {
			if s.Kind == rbacv1.ServiceAccountKind {
				out = append(out, s.Namespace+"/"+s.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestPlainRBAC(t *testing.T) {
	root := repoRoot(t)
	p := readPlainRBAC(t, root)

	reader, ok := p.clusterRoles["kubemedic-reader"]
	if !ok {
		t.Fatal("deploy/rbac defines no ClusterRole kubemedic-reader")
	}
	checkReaderRules(t, "deploy/rbac kubemedic-reader", reader.Rules)
	remediation, ok := p.clusterRoles["kubemedic-remediation"]
	if !ok {
		t.Fatal("deploy/rbac defines no ClusterRole kubemedic-remediation")
	}
	checkRemediationRules(t, "deploy/rbac kubemedic-remediation", remediation.Rules, true)

	if got, want := boundServiceAccounts(p.bindings, "kubemedic-reader"), []string{"kubemedic/kubemedic-analyzer", "kubemedic/kubemedic-collector"}; !slices.Equal(got, want) {
		t.Errorf("kubemedic-reader bound to %v, want %v", got, want)
	}
	if got, want := boundServiceAccounts(p.bindings, "kubemedic-remediation"), []string{"kubemedic/kubemedic-remediation"}; !slices.Equal(got, want) {
		t.Errorf("kubemedic-remediation bound to %v, want %v", got, want)
	}

	// Every binding refers to a role and service accounts defined here.
	for _, b := range p.bindings {
		if _, ok := p.clusterRoles[b.RoleRef.Name]; !ok {
			t.Errorf("ClusterRoleBinding %s refers to ClusterRole %s, which deploy/rbac does not define", b.Name, b.RoleRef.Name)
		}
		for _, s := range b.Subjects {
			if s.Kind == rbacv1.ServiceAccountKind {
				if _, ok := p.serviceAccounts[s.Namespace+"/"+s.Name]; !ok {
					t.Errorf("ClusterRoleBinding %s binds ServiceAccount %s/%s, which deploy/rbac does not define", b.Name, s.Namespace, s.Name)
				}
			}
		}
	}

	// The operators example: a human group that remediation may
	// impersonate gets, through a RoleBinding (and a ClusterRoleBinding for
	// the cluster-scoped nodes), the rights the typed actions need.
	var impersonable []string
	for _, r := range remediation.Rules {
		if slices.Contains(r.Resources, "groups") {
			impersonable = append(impersonable, r.ResourceNames...)
		}
	}
	groupRules := map[string][]rbacv1.PolicyRule{}
	sawRoleBinding := false
	addRules := func(kind, name, roleName string, subjects []rbacv1.Subject) {
		role, ok := p.clusterRoles[roleName]
		if !ok {
			t.Errorf("%s %s refers to ClusterRole %s, which deploy/rbac does not define", kind, name, roleName)
			return
		}
		for _, s := range subjects {
			if s.Kind == rbacv1.GroupKind {
				groupRules[s.Name] = append(groupRules[s.Name], role.Rules...)
			}
		}
	}
	for _, b := range p.roleBindings {
		sawRoleBinding = true
		addRules("RoleBinding", b.Namespace+"/"+b.Name, b.RoleRef.Name, b.Subjects)
	}
	for _, b := range p.bindings {
		addRules("ClusterRoleBinding", b.Name, b.RoleRef.Name, b.Subjects)
	}
	if !sawRoleBinding {
		t.Errorf("deploy/rbac has no example RoleBinding for a human group")
	}
	if len(groupRules) == 0 {
		t.Fatalf("deploy/rbac binds no human group")
	}
	for group, rules := range groupRules {
		if !slices.Contains(impersonable, group) {
			t.Errorf("group %s gets operator rights but kubemedic-remediation may not impersonate it (resourceNames %v)", group, impersonable)
		}
		for _, need := range []struct{ group, resource, verb, action string }{
			{"", "nodes", "patch", "cordon/uncordon"},
			{"", "pods", "list", "drain"},
			{"", "pods/eviction", "create", "drain"},
			{"apps", "daemonsets", "get", "drain (skip DaemonSet pods)"},
			{"apps", "deployments/scale", "patch", "scale"},
			{"apps", "deployments", "patch", "rollout restart"},
			{"", "configmaps", "patch", "ConfigMap patch"},
		} {
			if !ruleAllows(rules, need.group, need.resource, need.verb) {
				t.Errorf("group %s cannot %s %s, needed for %s", group, need.verb, need.resource, need.action)
			}
		}
	}
}
