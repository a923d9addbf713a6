package knowledge

import (
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge/analysis"
)

// ObjectNames drops the names of the asker's own objects from a question:
// "payments 파드가 계속 Pending이에요", "checkout 디플로이먼트 롤백", "the
// orders namespace". SREs name the workload they are looking at, and its
// name is a word no runbook uses; left in, it counts as the question's
// subject that no runbook covers (a low confidence, or a foreign word for
// the domain gate) and the question about a Pending pod is refused. The
// name still reaches grounding, which looks the object up in the cluster.
//
// A word is an object name when it is written in Latin letters (digits,
// '-', '_' and '.' allowed), the knowledge base does not know it in any
// form (no runbook uses it or its stem, the glossary has no concept for it,
// and it is no general IT word: "redis 파드" and "vault 시크릿" keep theirs),
// and the word next to it names a Kubernetes object kind that only
// Kubernetes has: the kind after the name ("payments 파드", "the payments
// pod"), or before it when the name has a digit, '-', '_' or '.' in it
// ("pod web-1", "namespace team-a"; an English word after a kind is mostly
// what the kind does: "service won't start").
// Node, job and secret are left out of the kinds: other systems have nodes,
// jobs and secrets too ("nomad node drain", "jenkins job", "Vault AppRole
// 시크릿"), and there the unknown word is the subject.
type ObjectNames struct{}

func (ObjectNames) Name() string     { return "objectnames" }
func (ObjectNames) Describe() string { return "the asker's object names dropped" }

// objectKinds are the analysed forms of the Kubernetes kind words an object
// name stands next to, in Korean and English (singular: English plurals
// reach them as stems).
var objectKinds = map[string]bool{
	"파드": true, "pod": true,
	"디플로이먼트": true, "디플로이": true, "deployment": true, "deploy": true,
	"스테이트풀셋": true, "statefulset": true, "sts": true,
	"데몬셋": true, "daemonset": true,
	"레플리카셋": true, "replicaset": true,
	"크론잡": true, "cronjob": true,
	"네임스페이스": true, "namespace": true, "ns": true,
	"인그레스": true, "ingress": true,
	"서비스": true, "service": true, "svc": true,
	"컨피그맵": true, "configmap": true,
	"pvc": true, "hpa": true,
}

func (ObjectNames) bind(e *engine) Stage {
	return &objectNames{general: e.general}
}

// objectNames is ObjectNames bound to one engine's vocabulary.
type objectNames struct {
	general map[string]bool // general IT words are subjects, not names
}

func (*objectNames) Name() string     { return ObjectNames{}.Name() }
func (*objectNames) Describe() string { return ObjectNames{}.Describe() }

func (o *objectNames) rewrite(e *engine, q *query) {
	var drop map[int]bool
	for i, u := range q.units {
		if !o.unknownLatin(e, q, u) {
			continue
		}
		next := i+1 < len(q.units) && q.units[i+1].id == u.id+1 && namesKind(q.units[i+1])
		prev := i > 0 && q.units[i-1].id == u.id-1 && namesKind(q.units[i-1]) && nameShaped(u.surface)
		if !next && !prev {
			continue
		}
		if drop == nil {
			drop = map[int]bool{}
		}
		drop[u.id] = true
	}
	q.drop(drop)
}

// unknownLatin reports whether a unit is a Latin word the knowledge base
// knows in no form (see ObjectNames).
func (o *objectNames) unknownLatin(e *engine, q *query, u *unit) bool {
	if !latinName(u.surface) || inPhrase(q.all, u.id) {
		return false
	}
	for _, t := range u.terms {
		switch t.Kind {
		case analysis.Concept, analysis.Phrase:
			return false
		case analysis.Word, analysis.Stem:
			if e.ix.DocFreq(t.Text) > 0 || o.general[t.Text] {
				return false
			}
		}
	}
	return true
}

// namesKind reports whether a unit is a Kubernetes object kind word.
func namesKind(u *unit) bool {
	for _, t := range u.terms {
		if (t.Kind == analysis.Word || t.Kind == analysis.Stem) && objectKinds[t.Text] {
			return true
		}
	}
	return false
}

// nameShaped reports whether a Latin word looks like a Kubernetes object
// name rather than an English word: it has a digit, '-', '_' or '.' in it
// (web-1, payments-api). After a kind word an English word is mostly the
// verb or the adjective that follows it ("service won't start", "service
// cold starts"), so only such a name counts there.
func nameShaped(s string) bool { return strings.ContainsAny(s, "0123456789-_.") }

// latinName reports whether s is written like an object name: ASCII letters
// and digits with '-', '_' or '.' inside, at least one letter.
func latinName(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return letter
}
