package controlplane

import (
	"context"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

var (
	crdResource   = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	stageResource = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "stages"}
)

// ownStages are kwok stages of the harness, applied after kwok's own.
//
//go:embed stages/*.yaml
var ownStages embed.FS

// KeepConditionsLabel, set to "true" on a kwok-managed node, keeps the node's
// conditions as written (see stages/node-keep-conditions.yaml): kwok renews
// the lease and heartbeats, but no longer resets MemoryPressure and friends
// to healthy.
const KeepConditionsLabel = "kubemedic.io/keep-conditions"

// StageSet is the kwok stage set applied at start: kwok's own
// kustomize/stage/fast (nodes become Ready at once and keep a lease; pods go
// straight to Running, Job pods complete, deleted pods go away).
const StageSet = "stage/fast"

// applyKwokStages installs kwok's Stage CRD and the fast stage set from the
// manifests copied out of the kwok module (see Build).
func applyKwokStages(ctx context.Context, cfg *rest.Config, manifests string) error {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("create dynamic client: %w", err)
	}
	crdFile := filepath.Join(manifests, "crd", "bases", "kwok.x-k8s.io_stages.yaml")
	crd, err := readObject(crdFile)
	if err != nil {
		return err
	}
	if err := apply(ctx, dyn.Resource(crdResource), crd); err != nil {
		return fmt.Errorf("apply kwok Stage CRD: %w", err)
	}
	err = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		got, err := dyn.Resource(crdResource).Get(ctx, crd.GetName(), metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("wait for kwok Stage CRD to be established: %w", err)
	}
	files, err := kustomizeResources(filepath.Join(manifests, StageSet))
	if err != nil {
		return err
	}
	var objs []*unstructured.Unstructured
	for _, f := range files {
		obj, err := readObject(f)
		if err != nil {
			return err
		}
		objs = append(objs, obj)
	}
	own, err := ownStages.ReadDir("stages")
	if err != nil {
		return err
	}
	for _, e := range own {
		data, err := ownStages.ReadFile("stages/" + e.Name())
		if err != nil {
			return err
		}
		obj, err := parseObject(e.Name(), data)
		if err != nil {
			return err
		}
		objs = append(objs, obj)
	}
	for _, obj := range objs {
		if err := apply(ctx, dyn.Resource(stageResource), obj); err != nil {
			return fmt.Errorf("apply kwok stage %s: %w", obj.GetName(), err)
		}
	}
	return nil
}

// apply server-side-applies obj, retrying while the API is still discovering
// a just-created CRD.
func apply(ctx context.Context, res dynamic.ResourceInterface, obj *unstructured.Unstructured) error {
	data, err := obj.MarshalJSON()
	if err != nil {
		return err
	}
	force := true
	return wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		_, err := res.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{FieldManager: "kubemedic-harness", Force: &force})
		if apierrors.IsNotFound(err) {
			return false, nil // the resource type is not served yet
		}
		return err == nil, err
	})
}

// kustomizeResources lists the manifest files of a kustomization, following
// directory resources recursively. Only plain resource lists are supported,
// which is all kwok's stage sets use.
func kustomizeResources(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, fmt.Errorf("read kustomization: %w", err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, "kustomization.yaml"), err)
	}
	var files []string
	for _, r := range k.Resources {
		p := filepath.Join(dir, r)
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("kustomization %s: resource %s: %w", dir, r, err)
		}
		if st.IsDir() {
			sub, err := kustomizeResources(p)
			if err != nil {
				return nil, err
			}
			files = append(files, sub...)
			continue
		}
		files = append(files, p)
	}
	return files, nil
}

func readObject(path string) (*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return parseObject(path, data)
}

func parseObject(name string, data []byte) (*unstructured.Unstructured, error) {
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &obj.Object); err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", name, err)
	}
	return obj, nil
}
