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
// and it is no general IT word: "vault 시크릿" keeps its word),
// and the word next to it names a Kubernetes object kind that only
// Kubernetes has: the kind after the name ("payments 파드", "the payments
// pod"), or before it when the name has a digit, '-', '_' or '.' in it
// ("pod web-1", "namespace team-a"; an English word after a kind is mostly
// what the kind does: "service won't start").
// Node, job and secret are left out of the kinds: other systems have nodes,
// jobs and secrets too ("nomad node drain", "jenkins job", "Vault AppRole
// 시크릿"), and there the unknown word is the subject.
//
// A general IT word is dropped too when it names the program a workload
// runs: a Latin word of data/general-it.txt without a glossary concept
// (gunicorn, rabbitmq, redis; not windows, nor a platform of
// data/platforms.txt such as nomad or kafka) standing bare (no Korean
// particle) right before a pod, statefulset, daemonset, cronjob or Korean
// 디플로이먼트 (workloadKinds): "gunicorn 파드가 OOMKilled" is a question
// about an OOMKilled pod, and left in, gunicorn is a general IT word the
// answer never mentions, which the domain gate refuses.
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

// workloadKinds are the kinds of objectKinds that run a program: a general
// IT word before one names the program the workload runs ("gunicorn 파드",
// "rabbitmq statefulset"). Services, namespaces and ingresses are left out:
// "windows 서비스" is a Windows service, and "nginx ingress" a product; so is
// the English deployment, which app servers have too ("JBoss deployment"),
// and the replica set, which MongoDB has too. The word must stand bare
// before the kind: "AWS에서 파드가" says where the pods run.
var workloadKinds = map[string]bool{
	"파드": true, "pod": true,
	"디플로이먼트": true, "디플로이": true,
	"스테이트풀셋": true, "statefulset": true, "sts": true,
	"데몬셋": true, "daemonset": true,
	"크론잡": true, "cronjob": true,
}

func (ObjectNames) bind(e *engine) Stage {
	return &objectNames{general: e.general, platform: vocabulary(e.analyzer, platformList)}
}

// objectNames is ObjectNames bound to one engine's vocabulary.
type objectNames struct {
	general  map[string]bool // general IT words are subjects, not names
	platform map[string]bool // other container platforms (data/platforms.txt)
}

func (*objectNames) Name() string     { return ObjectNames{}.Name() }
func (*objectNames) Describe() string { return ObjectNames{}.Describe() }

func (o *objectNames) rewrite(e *engine, q *query) {
	var drop map[int]bool
	for i, u := range q.units {
		adjacent := i+1 < len(q.units) && q.units[i+1].id == u.id+1
		if adjacent && namesWorkload(q.units[i+1]) && o.programName(q, u) && bare(q.text, u.surface) {
			if drop == nil {
				drop = map[int]bool{}
			}
			drop[u.id] = true
			continue
		}
		if !o.unknownLatin(e, q, u) {
			continue
		}
		next := adjacent && namesKind(q.units[i+1])
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

// programName reports whether a unit is a general IT word in Latin letters
// without a glossary concept (gunicorn, rabbitmq, nginx; not windows, an
// operating system, nor another container platform such as nomad).
func (o *objectNames) programName(q *query, u *unit) bool {
	if !latinName(u.surface) || inPhrase(q.all, u.id) {
		return false
	}
	general := false
	for _, t := range u.terms {
		switch t.Kind {
		case analysis.Concept, analysis.Phrase:
			return false
		case analysis.Word, analysis.Stem:
			if o.platform[t.Text] {
				return false
			}
			general = general || o.general[t.Text]
		}
	}
	return general
}

// bare reports whether word (lower-case ASCII) stands in text, in any
// letter case, followed by a space: a name before the next word rather
// than a word with a Korean particle ("AWS에서").
func bare(text, word string) bool {
	for i := 0; i+len(word) < len(text); i++ {
		if text[i+len(word)] == ' ' && strings.EqualFold(text[i:i+len(word)], word) && (i == 0 || !latinWordByte(text, i-1)) {
			return true
		}
	}
	return false
}

// namesWorkload reports whether a unit is a workload kind word
// (workloadKinds).
func namesWorkload(u *unit) bool {
	for _, t := range u.terms {
		if (t.Kind == analysis.Word || t.Kind == analysis.Stem) && workloadKinds[t.Text] {
			return true
		}
	}
	return false
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
