package analysis

import (
	"slices"
	"testing"

	"github.com/kubemedic/kubemedic/services/knowledge/glossary"
)

func texts(terms []Term, kind Kind) []string {
	var out []string
	for _, t := range terms {
		if t.Kind == kind {
			out = append(out, t.Text)
		}
	}
	return out
}

func TestTermsFull(t *testing.T) {
	a := New(Full(), glossary.Default(), []string{"Name or service not known", "Insufficient cpu"})
	tests := []struct {
		name string
		text string
		kind Kind
		want []string // must all be present
		not  []string // must be absent
	}{
		{"particle stripped", "파드가 계속 Pending이에요", Word, []string{"파드", "pending"}, []string{"파드가", "이에요", "계속"}},
		{"concepts both ways", "파드가 Pending이에요", Concept, []string{"@pod", "@pending"}, nil},
		{"colloquial", "팟이 낫레디예요", Concept, []string{"@pod", "@notready"}, nil},
		{"error string whole", "Init:CrashLoopBackOff 예요", Word, []string{"init:crashloopbackoff"}, nil},
		{"error string parts", "Init:CrashLoopBackOff 예요", Part, []string{"init", "crashloopbackoff"}, nil},
		{"external-ip", "External-IP를 못 받아요", Word, []string{"external-ip"}, []string{"를"}},
		{"external-ip concept", "External-IP를 못 받아요", Concept, []string{"@externalip", "@ip"}, nil},
		{"bigrams", "로그수집 설정", Bigram, []string{"~로그", "~그수", "~수집", "~설정"}, nil},
		{"keyword phrase", "wget 하면 Name or service not known 이 나와요", Phrase, []string{"\"name or service not known"}, nil},
		{"glossary phrase", "node pool 추가", Concept, []string{"@nodepool"}, nil},
		{"korean glossary phrase", "로드 밸런서가 안 만들어져요", Concept, []string{"@loadbalancer"}, nil},
		{"compound split", "파드스케줄링 실패", Concept, []string{"@pod", "@scheduling", "@fail"}, nil},
		{"english stem", "pods keep restarting after upgrading", Stem, []string{"restart", "upgrad"}, []string{"pods"}},
		{"no stem for identifiers", "External-IP 0/5 kube-proxy", Stem, nil, []string{"external-ip", "kube-proxi"}},
		{"concept by stem", "kubelet is evicting pods", Concept, []string{"@evicted"}, nil},
		{"plural", "containers restart", Word, []string{"container", "restart"}, nil},
		{"flags", "kubectl logs --previous", Word, []string{"kubectl", "log", "--previous"}, nil},
		{"stopwords", "how do I scale the deployment", Word, []string{"scale", "deployment"}, []string{"how", "the", "i"}},
		{"negations without apostrophe", "pods cant pull and the svc doesnt route", Word, []string{"pod", "pull", "svc", "route"}, []string{"cant", "doesnt"}},
		{"chat fillers", "gonna poke around to figure out why", Word, nil, []string{"gonna", "poke", "figure"}},
		{"repetition fillers", "container restarts over and over, again", Word, []string{"container", "restart"}, []string{"over", "again"}},
		{"stopword inflections", "pod not getting scheduled, explained", Word, []string{"pod", "scheduled"}, []string{"getting", "explained"}},
		{"chat without", "node shell w/o ssh", Word, []string{"node", "shell", "ssh"}, []string{"w/o"}},
		{"kubectl short names", "ing and sc and cj", Concept, []string{"@ingress", "@storageclass", "@job"}, nil},
		{"contraction won't", "pod won't start", Word, []string{"pod", "start"}, []string{"won", "t", "will", "not"}},
		{"contraction doesn't", "the job doesn't finish", Word, []string{"job", "finish"}, []string{"doesn", "t", "does"}},
		{"contraction typographic", "service isn’t reachable", Word, []string{"service", "reachable"}, []string{"isn", "t"}},
		{"contraction i'm", "I'm stuck", Word, []string{"stuck"}, []string{"m"}},
		{"contraction possessive", "the pod's events", Word, []string{"pod", "event"}, []string{"s"}},
		{"contraction negation reaches a glossary phrase", "node isn't ready", Concept, []string{"@notready"}, nil},
		{"contraction does not exist", "configmap doesn't exist", Concept, []string{"@absent"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := texts(a.Terms(tt.text), tt.kind)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s terms of %q = %v, missing %q", tt.kind, tt.text, got, w)
				}
			}
			for _, w := range tt.not {
				if slices.Contains(got, w) {
					t.Errorf("%s terms of %q = %v, unexpected %q", tt.kind, tt.text, got, w)
				}
			}
		})
	}
}

func TestTermsBaseline(t *testing.T) {
	a := New(Features{}, nil, nil)
	got := texts(a.Terms("파드가 계속 Pending이에요."), Word)
	want := []string{"파드가", "계속", "pending이에요"}
	if !slices.Equal(got, want) {
		t.Errorf("baseline terms = %v, want %v", got, want)
	}
}

func TestUnits(t *testing.T) {
	a := New(Full(), glossary.Default(), nil)
	terms := a.Terms("파드가 Pending")
	for _, term := range terms {
		switch term.Surface {
		case "파드가", "파드":
			if term.Unit != 0 {
				t.Errorf("term %+v: unit %d, want 0", term, term.Unit)
			}
		case "pending":
			if term.Unit != 1 {
				t.Errorf("term %+v: unit %d, want 1", term, term.Unit)
			}
		}
	}
}

// The stem cache changes how stems are found, not which: the same terms come
// out for cached words, uncached words and plurals of either.
func TestStemCacheSameTerms(t *testing.T) {
	a := New(Full(), glossary.Default(), []string{"Name or service not known"})
	cached := a.WithStemCache([]string{"restarting", "pods", "evicted", "containers", "nodes", "abc", "kube-proxy"})
	for _, text := range []string{
		"restarting pods keep getting evicted",
		"the containers restarted and nodes are NotReady",
		"Name or service not known when restarting kube-proxy",
		"파드가 계속 재시작돼요 restarting",
		"rotated logs disappear after compaction",
	} {
		if got, want := cached.Terms(text), a.Terms(text); !slices.Equal(got, want) {
			t.Errorf("%q: with the stem cache %v, without %v", text, got, want)
		}
	}
}
