package diagnosis

import (
	"crypto/sha256"
	"encoding/hex"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Fingerprint identifies the same problem on the same object across runs:
// the first 16 bytes of SHA-256 over cluster, code, sub-reason, namespace,
// kind and name, hex encoded. The uid is left out on purpose so a pod or
// Deployment re-created under the same name keeps its open finding (and its
// Slack thread); title, evidence and counts are left out so rewording or a
// growing pod count updates a finding instead of opening a new one.
func Fingerprint(cluster, code, reason, namespace, kind, name string) string {
	h := sha256.New()
	for _, s := range []string{cluster, code, reason, namespace, kind, name} {
		h.Write([]byte(s))
		h.Write([]byte{0}) // separator: ("ab","c") and ("a","bc") differ
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// FingerprintOf computes Fingerprint for a finding.
func FingerprintOf(f *kubemedicv1.Finding) string {
	o := f.GetObject()
	return Fingerprint(o.GetCluster(), f.GetCode(), f.GetSubReason(), o.GetNamespace(), o.GetKind(), o.GetName())
}
