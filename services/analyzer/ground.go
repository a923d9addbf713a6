package analyzer

import (
	"context"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
	"github.com/kubemedic/kubemedic/services/findings"
)

// groundKinds are the kinds a question may name, in the order matches are
// reported.
var groundKinds = []string{
	cluster.KindPod, cluster.KindDeployment, cluster.KindStatefulSet, cluster.KindDaemonSet,
	cluster.KindJob, cluster.KindCronJob, cluster.KindService, cluster.KindIngress,
	cluster.KindPersistentVolumeClaim, cluster.KindHorizontalPodAutoscaler, cluster.KindNode,
}

// nameTokens calls f with the start and end of each object-name candidate of
// s: a run of DNS-name characters (ASCII letters, digits, '.', '-') trimmed
// to begin and end with a letter or digit. Korean particles ("web-1이") are
// not part of a run, so they fall away. It is what the regular expression
// [a-z0-9]([a-z0-9.-]*[a-z0-9])? finds in the lower-cased text, without
// lower-casing or a regexp engine on every question.
func nameTokens(s string, f func(start, end int)) {
	for i := 0; i < len(s); {
		if !nameChar(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && nameChar(s[j]) {
			j++
		}
		start, end := i, j
		for start < end && !alnum(s[start]) {
			start++
		}
		for end > start && !alnum(s[end-1]) {
			end--
		}
		if start < end {
			f(start, end)
		}
		i = j
	}
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func nameChar(c byte) bool { return alnum(c) || c == '.' || c == '-' }

// maxGroundObjects bounds the objects one question is grounded in.
const maxGroundObjects = 5

// groundWait bounds how long Ask waits for a cluster's live view; a question
// must not wait for a big cluster's first sync.
const groundWait = 2 * time.Second

// Ground finds the objects of cluster ("" = default) a question names and
// their open findings, including findings of their owners (a Pending pod's
// Deployment carries the rolled-up finding). It returns nothing when the
// question names no existing object or the cluster's live view is not ready
// within a short wait: the answer then stands on the runbooks alone.
func (d *DiagnosisService) Ground(ctx context.Context, clusterName, question string) ([]*kubemedicv1.ObjectRef, []*kubemedicv1.Finding) {
	if clusterName == "" && d.col.Default() == "" {
		return nil, nil // no cluster to look in
	}
	if len(candidateNames(question)) == 0 {
		return nil, nil
	}
	wctx, cancel := context.WithTimeout(ctx, groundWait)
	defer cancel()
	w, name, err := d.resolve(wctx, clusterName)
	if err != nil {
		return nil, nil
	}
	if w == nil {
		// Another replica holds the cluster's live objects.
		b, err := proto.Marshal(&kubemedicv1.AskRequest{Question: question, Cluster: name})
		if err != nil {
			return nil, nil
		}
		reply, taken, err := d.ownerCall(wctx, name, opGround, b)
		if err != nil {
			d.log.Debug("question not grounded: the replica watching the cluster did not answer", "cluster", name, "error", err)
			return nil, nil
		}
		if taken == nil {
			resp := &kubemedicv1.AskResponse{}
			if err := proto.Unmarshal(reply.Data, resp); err != nil {
				return nil, nil
			}
			return resp.GetObjects(), resp.GetFindings()
		}
		w = taken
	}
	return d.groundLocal(wctx, w, question)
}

// groundLocal grounds a question in the live view of a cluster this replica
// watches.
func (d *DiagnosisService) groundLocal(ctx context.Context, w *watcher, question string) ([]*kubemedicv1.ObjectRef, []*kubemedicv1.Finding) {
	candidates := candidateNames(question)
	if len(candidates) == 0 {
		return nil, nil
	}
	if err := w.current(ctx); err != nil {
		d.log.Debug("question not grounded: cluster not ready", "cluster", w.cluster, "error", err)
		return nil, nil
	}
	st := w.live.State()
	var objects, scope []*kubemedicv1.ObjectRef
	for _, name := range candidates {
		for _, kind := range groundKinds {
			for _, m := range w.live.ByName(kind, name) {
				if len(objects) == maxGroundObjects {
					break
				}
				ref := &kubemedicv1.ObjectRef{Cluster: w.cluster, Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName(), Uid: string(m.GetUID())}
				objects = append(objects, ref)
				scope = append(scope, ref)
				scope = append(scope, owners(st, w.cluster, m)...)
			}
		}
	}
	if len(objects) == 0 {
		return nil, nil
	}
	return objects, d.ledger.List(findings.Filter{Cluster: w.cluster, Objects: scope})
}

// candidateNames are the distinct name-like tokens of a question.
func candidateNames(question string) []string {
	var out []string
	nameTokens(question, func(start, end int) {
		if t := strings.ToLower(question[start:end]); len(t) >= 2 && !slices.Contains(out, t) {
			out = append(out, t)
		}
	})
	return out
}

// owners walks controller owner references up (Pod → ReplicaSet →
// Deployment, Pod → Job → CronJob, Pod → StatefulSet/DaemonSet).
func owners(st cluster.State, clusterName string, m metav1.Object) []*kubemedicv1.ObjectRef {
	var out []*kubemedicv1.ObjectRef
	for depth := 0; depth < 3 && m != nil; depth++ {
		ref := metav1.GetControllerOf(m)
		if ref == nil {
			return out
		}
		ns := m.GetNamespace()
		out = append(out, &kubemedicv1.ObjectRef{Cluster: clusterName, Kind: ref.Kind, Namespace: ns, Name: ref.Name, Uid: string(ref.UID)})
		switch ref.Kind {
		case cluster.KindReplicaSet:
			if rs := st.ReplicaSet(ns, ref.Name); rs != nil {
				m = rs
				continue
			}
		case cluster.KindJob:
			if j := st.Job(ns, ref.Name); j != nil {
				m = j
				continue
			}
		}
		return out
	}
	return out
}
