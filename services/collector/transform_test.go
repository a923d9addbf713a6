package collector

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSlim(t *testing.T) {
	managed := []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}}
	meta := func(ns, name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: ns, Name: name, ManagedFields: managed,
			Annotations: map[string]string{lastApplied: `{"big":"json"}`, "keep": "me"}}
	}
	env := []corev1.EnvVar{{Name: "PASSWORD", Value: "hunter2"}, {Name: "FROM", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "k"}}}}
	podSpec := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: env}}, InitContainers: []corev1.Container{{Name: "init", Env: []corev1.EnvVar{{Name: "X", Value: "y"}}}}}

	for _, tc := range []struct {
		name  string
		obj   any
		check func(t *testing.T, obj any)
	}{
		{"node drops images", &corev1.Node{ObjectMeta: meta("", "n1"), Status: corev1.NodeStatus{Images: []corev1.ContainerImage{{Names: []string{"a"}}}}},
			func(t *testing.T, obj any) {
				if n := obj.(*corev1.Node); len(n.Status.Images) != 0 {
					t.Errorf("images kept: %v", n.Status.Images)
				}
			}},
		{"pod blanks env values, keeps references", &corev1.Pod{ObjectMeta: meta("shop", "p"), Spec: *podSpec.DeepCopy()},
			func(t *testing.T, obj any) {
				p := obj.(*corev1.Pod)
				if e := p.Spec.Containers[0].Env; e[0].Name != "PASSWORD" || e[0].Value != "" || e[1].ValueFrom == nil || e[1].ValueFrom.ConfigMapKeyRef.Name != "cfg" {
					t.Errorf("container env after slim: %+v", e)
				}
				if v := p.Spec.InitContainers[0].Env[0].Value; v != "" {
					t.Errorf("init container env value kept: %q", v)
				}
			}},
		{"deployment template slimmed", &appsv1.Deployment{ObjectMeta: meta("shop", "d"), Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: *podSpec.DeepCopy()}}},
			func(t *testing.T, obj any) {
				if v := obj.(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Env[0].Value; v != "" {
					t.Errorf("template env value kept: %q", v)
				}
			}},
		{"configmap keeps keys only", &corev1.ConfigMap{ObjectMeta: meta("shop", "cfg"), Data: map[string]string{"k": "v"}, BinaryData: map[string][]byte{"b": {1}}},
			func(t *testing.T, obj any) {
				c := obj.(*corev1.ConfigMap)
				if v, ok := c.Data["k"]; !ok || v != "" {
					t.Errorf("data after slim: %v", c.Data)
				}
				if v, ok := c.BinaryData["b"]; !ok || v != nil {
					t.Errorf("binary data after slim: %v", c.BinaryData)
				}
			}},
		{"provider configmap keeps data", &corev1.ConfigMap{ObjectMeta: meta("kube-system", "ncloud-config"), Data: map[string]string{"lbSubnetNo": "12345"}},
			func(t *testing.T, obj any) {
				if v := obj.(*corev1.ConfigMap).Data["lbSubnetNo"]; v != "12345" {
					t.Errorf("ncloud-config lbSubnetNo = %q, want kept", v)
				}
			}},
		{"secret metadata drops annotations", &metav1.PartialObjectMetadata{ObjectMeta: meta("shop", "s")},
			func(t *testing.T, obj any) {
				if a := obj.(*metav1.PartialObjectMetadata).Annotations; a != nil {
					t.Errorf("secret annotations kept: %v", a)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := slim(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			m := out.(metav1.Object)
			if len(m.GetManagedFields()) != 0 {
				t.Error("managed fields kept")
			}
			if _, ok := m.GetAnnotations()[lastApplied]; ok {
				t.Error("last-applied annotation kept")
			}
			if _, isSecret := out.(*metav1.PartialObjectMetadata); !isSecret && m.GetAnnotations()["keep"] != "me" {
				t.Errorf("other annotations dropped: %v", m.GetAnnotations())
			}
			tc.check(t, out)
		})
	}
}
