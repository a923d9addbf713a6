// Package scenario creates, in a real cluster, the broken situations that
// kubemedic diagnoses: unschedulable pods, image pull and crash loops, services
// without endpoints, pending load balancers and claims, sick nodes, blocking
// PodDisruptionBudgets, stuck rollouts and provider-specific failures (NKS
// ncloud-config, TKE Serverless eklet subnets).
//
// Each Scenario applies YAML fixtures from testdata/ (embedded) into a
// namespace and then does what a kubelet or cloud controller would have done
// where the harness has none: kwok leaves pods and nodes labelled
// controlplane.ManualStatusLabel alone, and the scenario writes their status
// and kubelet-style events. Everything else is real: scheduler messages,
// controller conditions, endpoint slices, PDB status and node taints come from
// the real components. Apply returns once the situation can be observed.
//
// Scenarios may create cluster-scoped objects (nodes) and objects in
// kube-system; those carry the label kubemedic.io/scenario-namespace=<ns> and
// Cleanup removes them.
package scenario

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"sort"
	"text/template"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

//go:embed testdata/*.yaml
var fixtures embed.FS

// OwnerLabel marks cluster-scoped and kube-system objects with the namespace
// of the scenario that created them.
const OwnerLabel = "kubemedic.io/scenario-namespace"

// Scenario is one reproducible situation.
type Scenario struct {
	// Name is a short kebab-case identifier, e.g. "insufficient-cpu".
	Name string
	// Code is the kubemedic finding code it should produce, with sub-reason
	// where there is one, e.g. "PodUnschedulable/InsufficientCPU".
	Code string
	// Summary says in one English sentence what is broken.
	Summary string
	// Fixtures are the testdata files applied first, in order.
	Fixtures []string
	// Quiet marks a healthy twin: Code is empty and no finding is expected.
	Quiet bool

	apply func(ctx context.Context, t *Target) error
}

// Target is where a scenario runs.
type Target struct {
	Namespace string
	Client    kubernetes.Interface

	dynamic dynamic.Interface
	mapper  meta.RESTMapper
}

// NewTarget returns a Target for namespace, which must exist.
func NewTarget(cfg *rest.Config, namespace string) (*Target, error) {
	if namespace == "" {
		return nil, errors.New("scenario: namespace is empty")
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("scenario: create client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("scenario: create dynamic client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("scenario: create discovery client: %w", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	return &Target{Namespace: namespace, Client: cs, dynamic: dyn, mapper: mapper}, nil
}

// Apply creates the situation in t and waits until it is observable, at most
// until ctx ends.
func (s Scenario) Apply(ctx context.Context, t *Target) error {
	for _, f := range s.Fixtures {
		if err := t.ApplyFixture(ctx, f); err != nil {
			return fmt.Errorf("scenario %s: %w", s.Name, err)
		}
	}
	if s.apply != nil {
		if err := s.apply(ctx, t); err != nil {
			return fmt.Errorf("scenario %s: %w", s.Name, err)
		}
	}
	return nil
}

// All returns every scenario, sorted by name.
func All() []Scenario {
	out := append([]Scenario(nil), registry...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Get returns the scenario called name.
func Get(name string) (Scenario, error) {
	for _, s := range registry {
		if s.Name == name {
			return s, nil
		}
	}
	names := make([]string, 0, len(registry))
	for _, s := range All() {
		names = append(names, s.Name)
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q (known: %v)", name, names)
}

// Fixture returns a fixture's YAML rendered for namespace.
func Fixture(name, namespace string) ([]byte, error) {
	raw, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %w", name, err)
	}
	tmpl, err := template.New(name).Option("missingkey=error").Parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, struct{ Namespace string }{namespace}); err != nil {
		return nil, fmt.Errorf("fixture %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// ApplyFixture server-side-applies every object of a fixture. Namespaced
// objects without a namespace go into t.Namespace.
func (t *Target) ApplyFixture(ctx context.Context, name string) error {
	data, err := Fixture(name, t.Namespace)
	if err != nil {
		return err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("fixture %s: decode: %w", name, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		if err := t.applyObject(ctx, obj); err != nil {
			return fmt.Errorf("fixture %s: %w", name, err)
		}
	}
}

func (t *Target) applyObject(ctx context.Context, obj *unstructured.Unstructured) error {
	gvk := obj.GroupVersionKind()
	mapping, err := t.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("map %s: %w", gvk, err)
	}
	var res dynamic.ResourceInterface = t.dynamic.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		if obj.GetNamespace() == "" {
			obj.SetNamespace(t.Namespace)
		}
		res = t.dynamic.Resource(mapping.Resource).Namespace(obj.GetNamespace())
	}
	// Status is applied separately: a create ignores it for most kinds.
	status, hasStatus := obj.Object["status"]
	delete(obj.Object, "status")
	data, err := obj.MarshalJSON()
	if err != nil {
		return err
	}
	force := true
	opts := metav1.PatchOptions{FieldManager: fieldManager, Force: &force}
	if _, err := res.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, opts); err != nil {
		return fmt.Errorf("apply %s %s: %w", gvk.Kind, obj.GetName(), err)
	}
	if hasStatus && gvk.Kind == "Node" {
		// Node capacity is status; kwok only fills in what is missing.
		patch := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": obj.GetAPIVersion(), "kind": obj.GetKind(),
			"metadata": map[string]any{"name": obj.GetName()},
			"status":   status,
		}}
		data, err := patch.MarshalJSON()
		if err != nil {
			return err
		}
		if _, err := res.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, opts, "status"); err != nil {
			return fmt.Errorf("apply status of %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
	}
	return nil
}

const fieldManager = "kubemedic-scenario"

// Cleanup deletes what scenarios in t's namespace created outside it (nodes,
// kube-system ConfigMaps). The namespace itself is the caller's.
func Cleanup(ctx context.Context, t *Target) error {
	sel := metav1.ListOptions{LabelSelector: OwnerLabel + "=" + t.Namespace}
	var errs []error
	nodes, err := t.Client.CoreV1().Nodes().List(ctx, sel)
	if err != nil {
		errs = append(errs, fmt.Errorf("list scenario nodes: %w", err))
	} else {
		for _, n := range nodes.Items {
			if err := t.Client.CoreV1().Nodes().Delete(ctx, n.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("delete node %s: %w", n.Name, err))
			}
		}
	}
	cms, err := t.Client.CoreV1().ConfigMaps(metav1.NamespaceSystem).List(ctx, sel)
	if err != nil {
		errs = append(errs, fmt.Errorf("list scenario ConfigMaps: %w", err))
	} else {
		for _, cm := range cms.Items {
			if err := t.Client.CoreV1().ConfigMaps(metav1.NamespaceSystem).Delete(ctx, cm.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("delete ConfigMap kube-system/%s: %w", cm.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// pollInterval is how often scenarios re-check the cluster while waiting.
const pollInterval = 100 * time.Millisecond
