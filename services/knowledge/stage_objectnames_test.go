package knowledge

import (
	"context"
	"testing"
)

// The asker's own object names are dropped: a question about "payments 파드"
// gets the answer and the confidence of the same question about a pod, and
// so does a general IT program bare before a workload kind ("redis 파드": the
// pod that runs Redis). A word that is the question's subject (general IT
// elsewhere, a word the runbooks use, an English word after a kind, a name
// next to a kind other systems have too) stays.
func TestObjectNamesDropped(t *testing.T) {
	b := embedded(t)
	eng := b.cur.Load().engine
	tests := []struct {
		q, word string
		dropped bool
	}{
		{"payments 파드가 계속 Pending이에요", "payments", true},
		{"shopfront 네임스페이스에서 ImagePullBackOff가 나요", "shopfront", true},
		{"the ledger hpa never scales out", "ledger", true},
		{"pod web-1 keeps restarting", "web-1", true},
		{"redis 파드가 계속 재시작돼요", "redis", true}, // general IT before a workload kind: the program it runs
		{"rabbitmq statefulset pod stuck terminating", "rabbitmq", true},
		{"AWS에서 파드가 VPC IP를 받게 하려면", "aws", false},                    // a particle: where the pods run
		{"redis 서비스 접속이 안 돼요", "redis", false},                        // a service: Windows has services too
		{"JBoss deployment times out during startup", "jboss", false}, // app servers have deployments
		{"windows pod cannot ping outside", "windows", false},         // an operating system, a glossary concept
		{"nomad pod", "nomad", false},                                 // another platform
		{"nomad job never finishes", "nomad", false},                  // job: other systems have jobs
		{"Vault AppRole 시크릿 ID가 만료됐어요", "approle", false},             // secret: so does Vault
		{"the service sputters after reboot", "sputters", false},      // an English word after a kind
		{"calico 파드가 Ready가 안 돼요", "calico", false},                   // a word the runbooks use
		{"파드 payments가 Pending이에요", "payments", false},                // not name-shaped after the kind
	}
	for _, tt := range tests {
		q := eng.parse(tt.q)
		kept := false
		for _, u := range q.units {
			kept = kept || u.surface == tt.word
		}
		q.release()
		if kept == tt.dropped {
			t.Errorf("%q: %q kept %v, want dropped %v", tt.q, tt.word, kept, tt.dropped)
		}
	}

	pairs := [][2]string{
		{"payments 파드가 계속 Pending이에요", "파드가 계속 Pending이에요"},
		{"catalog 서비스 엔드포인트가 비어 있어요", "서비스 엔드포인트가 비어 있어요"},
		{"inventory 컨피그맵 바꿨는데 파드에 반영이 안 돼요", "컨피그맵 바꿨는데 파드에 반영이 안 돼요"},
	}
	for _, p := range pairs {
		named, plain := b.Ask(context.Background(), p[0], AskOptions{}), b.Ask(context.Background(), p[1], AskOptions{})
		if named.NoAnswer || plain.NoAnswer || named.Answers[0].ID != plain.Answers[0].ID || named.Confidence != plain.Confidence {
			t.Errorf("%q → %s %.2f (no answer %v); %q → %s %.2f: want the same answer", p[0], top(named), named.Confidence, named.NoAnswer, p[1], top(plain), plain.Confidence)
		}
	}
}

func top(r Result) string {
	if len(r.Answers) == 0 {
		return "-"
	}
	return r.Answers[0].ID
}
