package rules

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// pvcGrace is how long a claim may stay Pending without a known cause
// before it is a finding: dynamic provisioning takes a while.
const pvcGrace = 5 * time.Minute

// storage finds PersistentVolumeClaims stuck Pending: StorageClass missing,
// no default class, provisioning errors. A claim waiting for its first
// consumer (volumeBindingMode WaitForFirstConsumer) is normal and quiet.
var storage = Rule{
	Name:  "storage",
	Codes: []string{"PVCPending"},
	Reads: []string{cluster.KindPersistentVolumeClaim, cluster.KindStorageClass, cluster.KindEvent},
	About: []string{cluster.KindPersistentVolumeClaim},
	Check: checkStorage,
}

const defaultSCAnnotation = "storageclass.kubernetes.io/is-default-class"

func checkStorage(in *Input) []*kubemedicv1.Finding {
	var def *storagev1.StorageClass
	for _, sc := range in.State.StorageClasses() {
		if sc.Annotations[defaultSCAnnotation] == "true" {
			def = sc
		}
	}
	classesKnown := in.State.Collected(cluster.KindStorageClass)
	var out []*kubemedicv1.Finding
	for _, ns := range in.scan() {
		for _, c := range in.State.PersistentVolumeClaims(ns) {
			if c.Status.Phase != corev1.ClaimPending || c.DeletionTimestamp != nil {
				continue
			}
			o := obj("v1", "PersistentVolumeClaim", c)
			events := eventEvidence(in.State.Events(cluster.KindPersistentVolumeClaim, c.Namespace, c.Name, c.UID), 2, warningEvents())
			age := in.Now.Sub(c.CreationTimestamp.Time).Round(time.Second)
			var scName string
			if c.Spec.StorageClassName != nil {
				scName = *c.Spec.StorageClassName
			}
			sc := in.State.StorageClass(scName)
			if scName == "" && def != nil && c.Spec.StorageClassName == nil {
				sc = def
			}
			size := c.Spec.Resources.Requests.Storage().String()
			var f *kubemedicv1.Finding
			switch {
			case scName != "" && sc == nil && classesKnown && c.Spec.VolumeName == "":
				f = newFinding(in, o, "PVCPending", "StorageClassMissing", errorSev)
				say(f,
					fmt.Sprintf("PVC %s: StorageClass %s이(가) 없어 Pending", c.Name, scName),
					fmt.Sprintf("PVC %s: Pending because StorageClass %s does not exist", c.Name, scName),
					fmt.Sprintf("%s 요청 PVC가 %s째 Pending입니다. StorageClass %s이(가) 클러스터에 없어(클래스 %d개) 프로비저닝이 시작되지 않습니다. 있는 클래스로 고치거나 클래스를 만드세요.", size, age, scName, len(in.State.StorageClasses())),
					fmt.Sprintf("The %s claim has been Pending for %s. StorageClass %s does not exist (the cluster has %d), so nothing provisions it. Use an existing class or create it.", size, age, scName, len(in.State.StorageClasses())))
				f.Evidence = append([]*kubemedicv1.Evidence{fieldEvidence("spec.storageClassName", "StorageClassNotFound", scName)}, events...)
			case c.Spec.StorageClassName == nil && def == nil && classesKnown && c.Spec.VolumeName == "":
				f = newFinding(in, o, "PVCPending", "NoDefaultStorageClass", errorSev)
				say(f,
					fmt.Sprintf("PVC %s: StorageClass 미지정, 기본 클래스 없음", c.Name),
					fmt.Sprintf("PVC %s: no StorageClass and no default class", c.Name),
					fmt.Sprintf("%s 요청 PVC가 %s째 Pending입니다. storageClassName이 없고 기본 StorageClass(%s=true)도 없어 정적 PV가 생길 때까지 바인딩되지 않습니다.", size, age, defaultSCAnnotation),
					fmt.Sprintf("The %s claim has been Pending for %s. It names no StorageClass and none is the default (%s=true), so it waits for a matching static PV.", size, age, defaultSCAnnotation))
				f.Evidence = append([]*kubemedicv1.Evidence{fieldEvidence("spec.storageClassName", "Unset", "no default StorageClass")}, events...)
			case sc != nil && sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer && !hasEvent(events, "ProvisioningFailed"):
				continue // waits for a pod; the pod's finding, if any, says more
			case hasEvent(events, "ProvisioningFailed"):
				f = newFinding(in, o, "PVCPending", "ProvisioningFailed", errorSev)
				say(f,
					fmt.Sprintf("PVC %s: 볼륨 프로비저닝 실패", c.Name),
					fmt.Sprintf("PVC %s: volume provisioning fails", c.Name),
					fmt.Sprintf("%s 요청 PVC가 %s째 Pending입니다. 프로비저너 오류: %s", size, age, firstEvent(events, "ProvisioningFailed")),
					fmt.Sprintf("The %s claim has been Pending for %s. Provisioner error: %s", size, age, firstEvent(events, "ProvisioningFailed")))
				f.Evidence = events
			case age >= pvcGrace:
				f = newFinding(in, o, "PVCPending", "", warning)
				say(f,
					fmt.Sprintf("PVC %s: %s째 Pending", c.Name, age),
					fmt.Sprintf("PVC %s: Pending for %s", c.Name, age),
					fmt.Sprintf("%s 요청 PVC(StorageClass %s)이(가) %s째 바인딩되지 않았습니다. 프로비저너(CSI 드라이버)가 동작하는지, 이벤트를 확인하세요.", size, orDash(scName), age),
					fmt.Sprintf("The %s claim (StorageClass %s) has not bound for %s. Check that the provisioner (CSI driver) runs and read the events.", size, orDash(scName), age))
				f.Evidence = append([]*kubemedicv1.Evidence{fieldEvidence("status.phase", "Pending", fmt.Sprintf("Pending for %s", age))}, events...)
			default:
				continue
			}
			out = append(out, f)
		}
	}
	return out
}

func hasEvent(ev []*kubemedicv1.Evidence, reason string) bool {
	return firstEvent(ev, reason) != ""
}

func firstEvent(ev []*kubemedicv1.Evidence, reason string) string {
	for _, e := range ev {
		if e.Reason == reason {
			return e.Message
		}
	}
	return ""
}
