package command

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubemedic/kubemedic/bot/naming"
)

// Spec is one subcommand: the words that call it, its usage and help text,
// and the function that parses its arguments. Specs is the table of them.
type Spec struct {
	// Name is the canonical subcommand name.
	Name string
	// Aliases are other words accepted for it (e.g. Korean ones).
	Aliases []string
	// Args is the argument synopsis, e.g. "<namespace>/<deployment> <replicas>".
	Args string
	// Ko and En are one-line explanations.
	Ko, En string
	// Example is a complete example of the arguments.
	Example string
	// Available is true when the bot can carry the command out; the others
	// are parsed and validated but answered with "not available yet".
	Available bool

	// parse turns the arguments into the command, or says in Korean and
	// English what is wrong with them.
	parse func(s Spec, args []string) (Command, *Problem)
}

// Usage returns "name args" for a slash command name such as "/k8s".
func (s Spec) Usage(slash string) string {
	u := strings.TrimSpace(slash + " " + s.Name)
	if s.Args != "" {
		u += " " + s.Args
	}
	return u
}

// Specs lists every subcommand in help order. It is filled in init because
// help's parser looks commands up in it.
var Specs []Spec

func init() {
	Specs = []Spec{
		{Name: "ask", Aliases: []string{"질문"}, Args: "<질문 | question>", Ko: "지식 베이스에서 답을 찾습니다 (명령 없이 질문만 써도 됩니다)", En: "answers a question from the knowledge base (plain text works too)", Example: "파드가 계속 Pending이에요", Available: true,
			parse: nil}, // ask takes the rest of the text as it is; see Parse
		{Name: "clusters", Aliases: []string{"클러스터"}, Ko: "kubemedic이 관리하는 클러스터 목록", En: "lists the clusters kubemedic watches", Available: true,
			parse: func(s Spec, args []string) (Command, *Problem) { return Clusters{}, atMost(s, args, 0) }},
		{Name: "help", Aliases: []string{"도움말", "?"}, Args: "[command]", Ko: "도움말", En: "shows this help", Example: "scale", Available: true,
			parse: parseHelp},
		{Name: "diagnose", Aliases: []string{"진단"}, Args: "[cluster] [namespace] | [-c cluster] [-n namespace]", Ko: "클러스터(또는 네임스페이스)를 진단합니다", En: "diagnoses a cluster or one namespace", Example: "prod shop", Available: true,
			parse: parseDiagnose},
		{Name: "cordon", Args: "<node>", Ko: "노드에 새 파드가 스케줄되지 않게 합니다", En: "marks a node unschedulable", Example: "worker-1", Available: true,
			parse: nodeCommand(func(n string) Command { return Cordon{Node: n} })},
		{Name: "uncordon", Args: "<node>", Ko: "노드 스케줄링을 재개합니다", En: "marks a node schedulable again", Example: "worker-1", Available: true,
			parse: nodeCommand(func(n string) Command { return Uncordon{Node: n} })},
		{Name: "drain", Args: "<node>", Ko: "노드를 cordon하고 파드를 축출합니다", En: "cordons a node and evicts its pods", Example: "worker-1", Available: true,
			parse: nodeCommand(func(n string) Command { return Drain{Node: n} })},
		{Name: "scale", Args: "<namespace>/<deployment> <replicas>", Ko: "디플로이먼트의 레플리카 수를 바꿉니다", En: "sets a deployment's replica count", Example: "shop/web 3", Available: true,
			parse: parseScale},
		{Name: "patch-cm", Args: "<namespace>/<configmap> key=value [key=value ...]", Ko: "컨피그맵의 키 값을 바꿉니다", En: "sets keys of a configmap", Example: `shop/web-config LOG_LEVEL=debug GREETING="hello world"`, Available: true,
			parse: parsePatchConfigMap},
		{Name: "restart", Args: "<namespace>/<deployment>", Ko: "디플로이먼트를 롤링 재시작합니다", En: "rollout-restarts a deployment", Example: "shop/web", Available: true,
			parse: parseRestart},
		{Name: "approve", Args: "<plan-id>", Ko: "조치 계획을 승인합니다", En: "approves a remediation plan", Example: "pl-7f3a9c", Available: true,
			parse: idCommand(naming.PlanID, func(id string) Command { return Approve{PlanID: id} })},
		{Name: "reject", Args: "<plan-id> [reason]", Ko: "조치 계획을 거절합니다", En: "rejects a remediation plan", Example: "pl-7f3a9c 점검 시간 아님", Available: true,
			parse: parseReject},
		{Name: "undo", Args: "<execution-id>", Ko: "실행한 조치를 되돌립니다", En: "reverts an execution", Example: "ex-41d2e0", Available: true,
			parse: idCommand(naming.ExecutionID, func(id string) Command { return Undo{ExecutionID: id} })},
		{Name: "sweep", Args: "[cluster ...]", Ko: "전체(또는 지정한) 클러스터를 지금 점검합니다", En: "sweeps every (or the named) cluster now", Example: "prod staging",
			parse: parseSweep, Available: true},
		{Name: "audit", Aliases: []string{"감사"}, Args: "[plan-id]", Ko: "조치 감사 기록을 보여 줍니다 (최근 것부터)", En: "shows the remediation audit log (latest first)", Example: "pl-7f3a9c", Available: true,
			parse: parseAudit},
	}
}

// Lookup returns the Spec for a subcommand name or alias (case-insensitive).
func Lookup(word string) (Spec, bool) {
	w := strings.ToLower(word)
	i := slices.IndexFunc(Specs, func(s Spec) bool { return s.Name == w || slices.Contains(s.Aliases, w) })
	if i < 0 {
		return Spec{}, false
	}
	return Specs[i], true
}

// Names returns the canonical subcommand names, sorted.
func Names() []string {
	names := make([]string, 0, len(Specs))
	for _, s := range Specs {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names
}

// Problem says what is wrong with a command's arguments.
type Problem struct {
	Ko, En string
}

func problem(ko, en string) *Problem { return &Problem{Ko: ko, En: en} }

func fromNaming(e *naming.Error) *Problem {
	if e == nil {
		return nil
	}
	return &Problem{Ko: e.Ko, En: e.En}
}

// atMost complains when there are more than max arguments.
func atMost(s Spec, args []string, max int) *Problem {
	if len(args) <= max {
		return nil
	}
	extra := strings.Join(args[max:], " ")
	if max == 0 {
		return problem(
			fmt.Sprintf("%s 에는 인자가 없어요 (받은 값: %s).", s.Name, naming.Quote(extra)),
			fmt.Sprintf("%s takes no arguments (got %s).", s.Name, naming.Quote(extra)))
	}
	return problem(
		fmt.Sprintf("인자가 너무 많아요: %s 는 필요 없어요.", naming.Quote(extra)),
		fmt.Sprintf("too many arguments: %s is not expected.", naming.Quote(extra)))
}

// exactlyOne returns the single argument, named what in messages.
func exactlyOne(s Spec, args []string, whatKo, whatEn string) (string, *Problem) {
	if len(args) == 0 {
		return "", problem(whatKo+"을(를) 써 주세요.", "name the "+whatEn+".")
	}
	if p := atMost(s, args, 1); p != nil {
		return "", p
	}
	return args[0], nil
}

func parseHelp(s Spec, args []string) (Command, *Problem) {
	if p := atMost(s, args, 1); p != nil {
		return nil, p
	}
	if len(args) == 0 {
		return Help{}, nil
	}
	topic, ok := Lookup(args[0])
	if !ok {
		names := strings.Join(Names(), ", ")
		return nil, problem(
			fmt.Sprintf("%s 라는 명령은 없어요. 명령: %s", naming.Quote(args[0]), names),
			fmt.Sprintf("there is no command %s; commands: %s", naming.Quote(args[0]), names))
	}
	return Help{Topic: topic.Name}, nil
}

// parseDiagnose reads "[cluster] [namespace]", kubectl-style flags
// (-n/--namespace, -c/--cluster) or a mix.
func parseDiagnose(s Spec, args []string) (Command, *Problem) {
	var d Diagnose
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(a, "=")
		switch name {
		case "-n", "--namespace", "-c", "--cluster":
			if !hasValue {
				if i+1 >= len(args) {
					return nil, problem(fmt.Sprintf("%s 뒤에 값이 없어요.", a), fmt.Sprintf("%s needs a value.", a))
				}
				i++
				value = args[i]
			}
			if name == "-n" || name == "--namespace" {
				d.Namespace = value
			} else {
				d.Cluster = value
			}
		default:
			if strings.HasPrefix(a, "-") {
				return nil, problem(
					fmt.Sprintf("옵션 %s 는 없어요. -n <namespace>, -c <cluster> 를 쓸 수 있어요.", naming.Quote(a)),
					fmt.Sprintf("unknown option %s: use -n <namespace> or -c <cluster>.", naming.Quote(a)))
			}
			positional = append(positional, a)
		}
	}
	if len(positional) > 0 && d.Cluster == "" {
		d.Cluster, positional = positional[0], positional[1:]
	}
	if len(positional) > 0 && d.Namespace == "" {
		d.Namespace, positional = positional[0], positional[1:]
	}
	if len(positional) > 0 {
		extra := naming.Quote(strings.Join(positional, " "))
		return nil, problem(fmt.Sprintf("인자가 너무 많아요: %s 는 필요 없어요.", extra), fmt.Sprintf("too many arguments: %s is not expected.", extra))
	}
	if d.Cluster != "" {
		if err := naming.Cluster(d.Cluster); err != nil {
			return nil, fromNaming(err)
		}
	}
	if d.Namespace != "" {
		if err := naming.Object(naming.Namespace, d.Namespace); err != nil {
			return nil, fromNaming(err)
		}
	}
	return d, nil
}

// nodeCommand parses the single node name of cordon, uncordon and drain.
func nodeCommand(build func(node string) Command) func(Spec, []string) (Command, *Problem) {
	return func(s Spec, args []string) (Command, *Problem) {
		node, p := exactlyOne(s, args, naming.Node.Ko, naming.Node.En)
		if p != nil {
			return nil, p
		}
		if err := naming.Object(naming.Node, node); err != nil {
			return nil, fromNaming(err)
		}
		return build(node), nil
	}
}

// idCommand parses the single ID of approve and undo.
func idCommand(k naming.IDKind, build func(id string) Command) func(Spec, []string) (Command, *Problem) {
	return func(s Spec, args []string) (Command, *Problem) {
		id, p := exactlyOne(s, args, k.Ko, k.En)
		if p != nil {
			return nil, p
		}
		if err := naming.ID(k, id); err != nil {
			return nil, fromNaming(err)
		}
		return build(id), nil
	}
}

func parseScale(s Spec, args []string) (Command, *Problem) {
	if len(args) < 2 {
		return nil, problem("디플로이먼트와 레플리카 수를 모두 써 주세요.", "name the deployment and the replica count.")
	}
	if p := atMost(s, args, 2); p != nil {
		return nil, p
	}
	ns, name, err := naming.Ref(naming.Deployment, args[0], s.Example)
	if err != nil {
		return nil, fromNaming(err)
	}
	n, p := replicas(args[1])
	if p != nil {
		return nil, p
	}
	return Scale{Namespace: ns, Deployment: name, Replicas: n}, nil
}

func parseRestart(s Spec, args []string) (Command, *Problem) {
	target, p := exactlyOne(s, args, "디플로이먼트", "deployment")
	if p != nil {
		return nil, p
	}
	ns, name, err := naming.Ref(naming.Deployment, target, s.Example)
	if err != nil {
		return nil, fromNaming(err)
	}
	return Restart{Namespace: ns, Deployment: name}, nil
}

func parsePatchConfigMap(s Spec, args []string) (Command, *Problem) {
	if len(args) == 0 {
		return nil, problem("컨피그맵과 바꿀 key=value 를 써 주세요.", "name the configmap and the key=value pairs to set.")
	}
	ns, name, err := naming.Ref(naming.ConfigMap, args[0], "shop/web-config")
	if err != nil {
		return nil, fromNaming(err)
	}
	if len(args) == 1 {
		return nil, problem("바꿀 key=value 가 하나도 없어요.", "no key=value pair to set.")
	}
	p := PatchConfigMap{Namespace: ns, ConfigMap: name}
	for _, a := range args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return nil, problem(
				fmt.Sprintf("%s 에 '=' 가 없어요. key=value 형식으로 써 주세요 (값에 공백이 있으면 key=\"a b\").", naming.Quote(a)),
				fmt.Sprintf("%s has no '=': write key=value (quote values with spaces: key=\"a b\").", naming.Quote(a)))
		}
		if err := naming.ConfigMapKey(k); err != nil {
			return nil, fromNaming(err)
		}
		if slices.ContainsFunc(p.Data, func(kv KeyValue) bool { return kv.Key == k }) {
			return nil, problem(fmt.Sprintf("키 %s 가 두 번 나왔어요.", naming.Quote(k)), fmt.Sprintf("key %s is given twice.", naming.Quote(k)))
		}
		p.Data = append(p.Data, KeyValue{Key: k, Value: v})
	}
	return p, nil
}

func parseReject(s Spec, args []string) (Command, *Problem) {
	if len(args) == 0 {
		return nil, problem("거절할 계획 ID를 써 주세요.", "name the plan ID to reject.")
	}
	if err := naming.ID(naming.PlanID, args[0]); err != nil {
		return nil, fromNaming(err)
	}
	return Reject{PlanID: args[0], Reason: strings.Join(args[1:], " ")}, nil
}

func parseAudit(s Spec, args []string) (Command, *Problem) {
	if p := atMost(s, args, 1); p != nil {
		return nil, p
	}
	if len(args) == 0 {
		return Audit{}, nil
	}
	if err := naming.ID(naming.PlanID, args[0]); err != nil {
		return nil, fromNaming(err)
	}
	return Audit{PlanID: args[0]}, nil
}

func parseSweep(_ Spec, args []string) (Command, *Problem) {
	var sw Sweep
	for _, c := range args {
		if err := naming.Cluster(c); err != nil {
			return nil, fromNaming(err)
		}
		if !slices.Contains(sw.Clusters, c) {
			sw.Clusters = append(sw.Clusters, c)
		}
	}
	return sw, nil
}
