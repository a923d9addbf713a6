package command

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		text string
		want Command
	}{
		{"", Help{}},
		{"   ", Help{}},
		{"help", Help{}},
		{"HELP scale", Help{Topic: "scale"}},
		{"도움말 patch-cm", Help{Topic: "patch-cm"}},
		{"파드가 계속 Pending이에요", Ask{Question: "파드가 계속 Pending이에요"}},
		{"ask 노드가 NotReady 상태예요", Ask{Question: "노드가 NotReady 상태예요"}},
		{"  ask   why is my pod pending  ", Ask{Question: "why is my pod pending"}},
		{"Why is my pod stuck in CrashLoopBackOff?", Ask{Question: "Why is my pod stuck in CrashLoopBackOff?"}},
		{"clusters", Clusters{}},
		{"클러스터", Clusters{}},
		{"diagnose", Diagnose{}},
		{"diagnose prod", Diagnose{Cluster: "prod"}},
		{"diagnose prod-kr1 shop", Diagnose{Cluster: "prod-kr1", Namespace: "shop"}},
		{"diagnose -n shop", Diagnose{Namespace: "shop"}},
		{"diagnose --namespace=shop -c prod", Diagnose{Cluster: "prod", Namespace: "shop"}},
		{"diagnose prod -n shop", Diagnose{Cluster: "prod", Namespace: "shop"}},
		{"cordon worker-1", Cordon{Node: "worker-1"}},
		{"uncordon ip-10-0-1-23.ap-northeast-2.compute.internal", Uncordon{Node: "ip-10-0-1-23.ap-northeast-2.compute.internal"}},
		{"drain worker-1", Drain{Node: "worker-1"}},
		{"scale shop/web 3", Scale{Namespace: "shop", Deployment: "web", Replicas: 3}},
		{"scale shop/web 0", Scale{Namespace: "shop", Deployment: "web", Replicas: 0}},
		{"restart kube-system/coredns", Restart{Namespace: "kube-system", Deployment: "coredns"}},
		{"patch-cm shop/web-config LOG_LEVEL=debug", PatchConfigMap{Namespace: "shop", ConfigMap: "web-config", Data: []KeyValue{{"LOG_LEVEL", "debug"}}}},
		{`patch-cm shop/web-config GREETING="hello world" EMPTY= app.yaml='a: 1'`, PatchConfigMap{Namespace: "shop", ConfigMap: "web-config", Data: []KeyValue{{"GREETING", "hello world"}, {"EMPTY", ""}, {"app.yaml", "a: 1"}}}},
		{"patch-cm shop/cfg msg=“smart quotes”", PatchConfigMap{Namespace: "shop", ConfigMap: "cfg", Data: []KeyValue{{"msg", "smart quotes"}}}},
		{`patch-cm shop/cfg url=a=b&amp;c`, PatchConfigMap{Namespace: "shop", ConfigMap: "cfg", Data: []KeyValue{{"url", "a=b&c"}}}},
		{`patch-cm shop/cfg q="say \"hi\""`, PatchConfigMap{Namespace: "shop", ConfigMap: "cfg", Data: []KeyValue{{"q", `say "hi"`}}}},
		{"approve pl-7f3a9c", Approve{PlanID: "pl-7f3a9c"}},
		{"reject pl-7f3a9c", Reject{PlanID: "pl-7f3a9c"}},
		{"reject pl-7f3a9c 점검 시간이 아님", Reject{PlanID: "pl-7f3a9c", Reason: "점검 시간이 아님"}},
		{"undo ex-41d2e0", Undo{ExecutionID: "ex-41d2e0"}},
		{"sweep", Sweep{}},
		{"audit", Audit{}},
		{"감사 pl-7f3a9c", Audit{PlanID: "pl-7f3a9c"}},
		{"sweep prod staging prod", Sweep{Clusters: []string{"prod", "staging"}}},
		// Sentences that start with a subcommand word are questions.
		{"drain 하면 파드는 어떻게 되나요?", Ask{Question: "drain 하면 파드는 어떻게 되나요?"}},
		{"scale 명령이 안 먹혀요 왜 그런가요", Ask{Question: "scale 명령이 안 먹혀요 왜 그런가요"}},
		{"clusters 몇 개나 있어?", Ask{Question: "clusters 몇 개나 있어?"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.text, err)
			}
			if !reflect.DeepEqual(got.Command, tt.want) || got.Lang != "" {
				t.Fatalf("Parse(%q) = %#v, want %#v", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseUsageErrors(t *testing.T) {
	tests := []struct {
		text    string
		command string
		wantEn  string // substring of the English problem
		wantKo  string // substring of the Korean problem
	}{
		{"ask", "ask", "question is empty", "질문이 비어"},
		{"ask " + strings.Repeat("파", MaxQuestionLength+1), "ask", "too long", "너무 길어요"},
		{"help frobnicate", "help", `no command "frobnicate"`, "명령은 없어요"},
		{"clusters prod", "clusters", "takes no arguments", "인자가 없어요"},
		{"diagnose prod shop extra", "diagnose", `"extra" is not expected`, "너무 많아요"},
		{"diagnose prod Shop", "diagnose", `did you mean "shop"`, "대문자"},
		{"diagnose pr@d", "diagnose", "cluster name", "클러스터 이름"},
		{"diagnose -n", "diagnose", "-n needs a value", "값이 없어요"},
		{"diagnose --all", "diagnose", `unknown option "--all"`, "옵션"},
		{"diagnose -n shop a b", "diagnose", `"b" is not expected`, "너무 많아요"},
		{"cordon", "cordon", "name the node name", "노드 이름"},
		{"cordon a b", "cordon", `"b" is not expected`, "너무 많아요"},
		{"drain Worker-1", "drain", `did you mean "worker-1"`, "소문자"},
		{"drain worker_1", "drain", "not a valid name", "쓸 수 없는 이름"},
		{"drain -worker", "drain", "not a valid name", "쓸 수 없는 이름"},
		{"uncordon " + strings.Repeat("a", 254), "uncordon", "too long", "너무 길어요"},
		{"scale web 3", "scale", `"web" has no namespace`, "네임스페이스가 없어요"},
		{"scale shop/web", "scale", "replica count", "레플리카 수"},
		{"scale shop/web three", "scale", `"three" is not a number`, "숫자가 아니에요"},
		{"scale shop/web -1", "scale", "cannot be negative", "음수"},
		{"scale shop/web 99999999999", "scale", "too large", "너무 커요"},
		{"scale shop/web 3 now", "scale", `"now" is not expected`, "너무 많아요"},
		{"scale shop/a/b 3", "scale", "more than one '/'", "두 번 이상"},
		{"scale /web 3", "scale", "namespace is empty", "비어 있어요"},
		{"scale shop_ns/web 3", "scale", "namespace \"shop_ns\" is not a valid name", "쓸 수 없는 이름"},
		{"restart", "restart", "name the deployment", "디플로이먼트"},
		{"restart web", "restart", "has no namespace", "네임스페이스가 없어요"},
		{"patch-cm", "patch-cm", "name the configmap", "컨피그맵"},
		{"patch-cm shop/cfg", "patch-cm", "no key=value", "key=value"},
		{"patch-cm shop/cfg LOG_LEVEL", "patch-cm", `"LOG_LEVEL" has no '='`, "'=' 가 없어요"},
		{"patch-cm shop/cfg =x", "patch-cm", "key name is missing", "키 이름이 없어요"},
		{"patch-cm shop/cfg a/b=x", "patch-cm", "not a valid ConfigMap key", "쓸 수 없어요"},
		{"patch-cm shop/cfg a=1 a=2", "patch-cm", "given twice", "두 번"},
		{`patch-cm shop/cfg a="unterminated`, "patch-cm", "not closed", "닫히지 않았어요"},
		{"approve", "approve", "name the plan ID", "계획 ID"},
		{"approve pl/1", "approve", "malformed", "올바르지 않아요"},
		{"approve pl-1 pl-2", "approve", `"pl-2" is not expected`, "너무 많아요"},
		{"reject", "reject", "plan ID", "계획 ID"},
		{"undo", "undo", "execution ID", "실행 ID"},
		{"sweep prod st@ging", "sweep", "cluster name", "클러스터 이름"},
		{"audit pl/1", "audit", "plan ID", "계획 ID"},
		{"audit a b", "audit", `"b" is not expected`, "너무 많아요"},
	}
	for _, tt := range tests {
		t.Run(tt.text[:min(len(tt.text), 40)], func(t *testing.T) {
			got, err := Parse(tt.text)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) = %#v, %v; want a *UsageError", tt.text, got, err)
			}
			if ue.Spec.Name != tt.command {
				t.Errorf("usage error for command %q, want %q", ue.Spec.Name, tt.command)
			}
			if !strings.Contains(ue.En, tt.wantEn) {
				t.Errorf("English problem %q does not contain %q", ue.En, tt.wantEn)
			}
			if !strings.Contains(ue.Ko, tt.wantKo) {
				t.Errorf("Korean problem %q does not contain %q", ue.Ko, tt.wantKo)
			}
			if !strings.Contains(ue.Error(), ue.Spec.Usage("")) {
				t.Errorf("Error() %q does not include the usage %q", ue.Error(), ue.Spec.Usage(""))
			}
		})
	}
}

func TestSpecs(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Specs {
		for _, w := range append([]string{s.Name}, s.Aliases...) {
			if seen[w] {
				t.Errorf("word %q names two commands", w)
			}
			seen[w] = true
		}
		if s.Ko == "" || s.En == "" {
			t.Errorf("command %q lacks a Korean or English explanation", s.Name)
		}
		// Every documented example must parse as the command it documents.
		if s.Example == "" || s.Name == "ask" {
			continue
		}
		cmd, err := Parse(s.Name + " " + s.Example)
		if err != nil {
			t.Errorf("example %q of %s: %v", s.Example, s.Name, err)
			continue
		}
		if cmd.Command.Name() != s.Name {
			t.Errorf("example %q of %s parsed as %s", s.Example, s.Name, cmd.Command.Name())
		}
	}
	if got := (Spec{Name: "scale", Args: "<a> <b>"}).Usage("/k8s"); got != "/k8s scale <a> <b>" {
		t.Errorf("Usage = %q", got)
	}
}

func TestDescribe(t *testing.T) {
	cmds := []Command{
		Ask{Question: "q"}, Help{}, Help{Topic: "scale"}, Clusters{}, Diagnose{}, Diagnose{Cluster: "c", Namespace: "n"},
		Cordon{Node: "n"}, Uncordon{Node: "n"}, Drain{Node: "n"}, Scale{Namespace: "a", Deployment: "b", Replicas: 2},
		PatchConfigMap{Namespace: "a", ConfigMap: "b", Data: []KeyValue{{"k", "v"}}}, Restart{Namespace: "a", Deployment: "b"},
		Approve{PlanID: "p"}, Reject{PlanID: "p", Reason: "r"}, Undo{ExecutionID: "e"}, Sweep{}, Sweep{Clusters: []string{"c"}},
		Audit{}, Audit{PlanID: "p"},
	}
	for _, c := range cmds {
		ko, en := c.Describe("ko"), c.Describe("en")
		if ko == "" || en == "" || ko == en && c.Name() != "ask" {
			t.Errorf("%s: Describe ko=%q en=%q", c.Name(), ko, en)
		}
		if _, ok := Lookup(c.Name()); !ok {
			t.Errorf("%s has no Spec", c.Name())
		}
	}
}

func TestParseLangOption(t *testing.T) {
	tests := []struct {
		text string
		want Command
		lang string
	}{
		{"--lang en why is my pod pending", Ask{Question: "why is my pod pending"}, "en"},
		{"--lang=ko drain worker-1", Drain{Node: "worker-1"}, "ko"},
		{"drain worker-1 --lang en", Drain{Node: "worker-1"}, "en"},
		{"scale shop/web 3 —lang=english", Scale{Namespace: "shop", Deployment: "web", Replicas: 3}, "en"},
		{`--lang en patch-cm shop/cfg msg="a  b"`, PatchConfigMap{Namespace: "shop", ConfigMap: "cfg", Data: []KeyValue{{"msg", "a  b"}}}, "en"},
		{"파드가 Pending이에요 --lang 영어", Ask{Question: "파드가 Pending이에요"}, "en"},
		{"--lang en", Help{}, "en"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.text, err)
			}
			if !reflect.DeepEqual(got.Command, tt.want) || got.Lang != tt.lang {
				t.Fatalf("Parse(%q) = %#v lang %q, want %#v lang %q", tt.text, got.Command, got.Lang, tt.want, tt.lang)
			}
		})
	}
	t.Run("usage error keeps the language", func(t *testing.T) {
		_, err := Parse("scale web 3 --lang en")
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Lang != "en" || ue.Spec.Name != "scale" {
			t.Fatalf("err = %#v, want a scale usage error in English", err)
		}
	})
	t.Run("unknown language", func(t *testing.T) {
		_, err := Parse("--lang ja help")
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(ue.En, `unknown language "ja"`) || !strings.Contains(ue.Ko, "ko 또는 en") {
			t.Fatalf("err = %v, want an unknown-language usage error", err)
		}
	})
}
