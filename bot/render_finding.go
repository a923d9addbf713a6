package bot

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kubemedic/kubemedic/bot/language"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

const (
	// findingsPerPage keeps a findings message well under 50 blocks: each
	// finding takes up to four (section, context, actions, divider).
	findingsPerPage = 10
	// maxEvidence is how many observations a finding shows.
	maxEvidence = 3
	// maxFixButtons is how many suggested fixes a finding offers.
	maxFixButtons = 5
)

// Action IDs of the bot's buttons. Their values carry only IDs.
const (
	actionFix     = "finding.fix"  // value: fixValue
	actionApprove = "plan.approve" // value: planValue
	actionReject  = "plan.reject"  // value: planValue
	actionUndo    = "exec.undo"    // value: execution ID
	// The answer feedback buttons; value: "<ask-id> <entry-id> <lang>"
	// (see feedback.go).
	actionHelpful   = "answer.helpful"
	actionUnhelpful = "answer.unhelpful"
)

func severityBadge(lang string, s kubemedicv1.Severity) string {
	switch s {
	case kubemedicv1.Severity_SEVERITY_CRITICAL:
		return language.Pick(lang, "🔴 심각", "🔴 Critical")
	case kubemedicv1.Severity_SEVERITY_ERROR:
		return language.Pick(lang, "🟠 오류", "🟠 Error")
	case kubemedicv1.Severity_SEVERITY_WARNING:
		return language.Pick(lang, "🟡 경고", "🟡 Warning")
	}
	return language.Pick(lang, "🔵 정보", "🔵 Info")
}

func localized(lang string, t *kubemedicv1.LocalizedText) string {
	return language.Pick(lang, cmp.Or(t.GetKo(), t.GetEn()), cmp.Or(t.GetEn(), t.GetKo()))
}

// objectName renders an object as "Kind ns/name" (cluster-scoped: "Kind name").
func objectName(ref *kubemedicv1.ObjectRef) string {
	name := ref.GetName()
	if ns := ref.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return strings.TrimSpace(ref.GetKind() + " " + name)
}

// fixValue is the button value of a finding's i-th suggested fix.
func fixValue(f *kubemedicv1.Finding, i int) string {
	return fmt.Sprintf("%s %s %d", f.GetObject().GetCluster(), f.GetFingerprint(), i)
}

// renderFindings renders a diagnosis as one or more messages of at most
// findingsPerPage findings each: a long list is paginated, never cut.
func renderFindings(o origin, cluster string, findings []*kubemedicv1.Finding, summary *kubemedicv1.DiagnoseSummary) []reply {
	title := language.Pick(o.lang,
		fmt.Sprintf("🩺 %s 진단 결과: 문제 %d건", cluster, len(findings)),
		fmt.Sprintf("🩺 Diagnosis of %s: %d findings", cluster, len(findings)))
	if len(findings) == 0 {
		msg := language.Pick(o.lang, "발견된 문제가 없어요. ✅", "No problems found. ✅")
		blocks := []slack.Block{header(title), section(msg)}
		if summary != nil {
			blocks = append(blocks, contextLine(summaryLine(o, summary)))
		}
		return []reply{{text: title, blocks: blocks, public: true}}
	}
	pages := (len(findings) + findingsPerPage - 1) / findingsPerPage
	var out []reply
	for p := range pages {
		chunk := findings[p*findingsPerPage : min(len(findings), (p+1)*findingsPerPage)]
		var blocks []slack.Block
		if p == 0 {
			blocks = append(blocks, header(title))
			if summary != nil {
				blocks = append(blocks, contextLine(summaryLine(o, summary)))
			}
		}
		for _, f := range chunk {
			blocks = append(blocks, findingBlocks(o, f)...)
			blocks = append(blocks, slack.NewDividerBlock())
		}
		if pages > 1 {
			blocks = append(blocks, contextLine(language.Pick(o.lang,
				fmt.Sprintf("%d / %d 쪽", p+1, pages), fmt.Sprintf("page %d of %d", p+1, pages))))
		}
		text := title
		if p > 0 {
			text = fmt.Sprintf("%s (%d/%d)", title, p+1, pages)
		}
		out = append(out, reply{text: text, blocks: blocks, public: true})
	}
	return out
}

func summaryLine(o origin, s *kubemedicv1.DiagnoseSummary) string {
	return language.Pick(o.lang,
		fmt.Sprintf("오브젝트 %d개 검사 · %dms", s.GetObjectsExamined(), s.GetDurationMs()),
		fmt.Sprintf("%d objects examined · %dms", s.GetObjectsExamined(), s.GetDurationMs()))
}

// findingBlocks renders one finding: severity, object, title and cause;
// evidence and runbooks; suggested fixes as buttons that open a plan.
func findingBlocks(o origin, f *kubemedicv1.Finding) []slack.Block {
	code := f.GetCode()
	if f.GetSubReason() != "" {
		code += "/" + f.GetSubReason()
	}
	main := fmt.Sprintf("%s · *%s* · `%s`\n*%s*\n%s",
		severityBadge(o.lang, f.GetSeverity()), escapeMrkdwn(objectName(f.GetObject())), escapeMrkdwn(code),
		escapeMrkdwn(localized(o.lang, f.GetTitle())), escapeMrkdwn(localized(o.lang, f.GetSummary())))
	blocks := []slack.Block{section(main)}
	var ctx []string
	for _, e := range f.GetEvidence()[:min(len(f.GetEvidence()), maxEvidence)] {
		line := "🔎 "
		if e.GetReason() != "" {
			line += "*" + escapeMrkdwn(e.GetReason()) + "* "
		}
		line += escapeMrkdwn(clip(e.GetMessage(), 300))
		if e.GetCount() > 1 {
			line += fmt.Sprintf(" (×%d)", e.GetCount())
		}
		ctx = append(ctx, line)
	}
	if ids := f.GetRunbookIds(); len(ids) > 0 {
		ctx = append(ctx, language.Pick(o.lang, "📘 런북: ", "📘 Runbooks: ")+"`"+strings.Join(ids[:min(len(ids), 3)], "` `")+"`")
	}
	if len(ctx) > 0 {
		blocks = append(blocks, contextLine(ctx...))
	}
	var buttons []slack.BlockElement
	var toFill []string
	for i, a := range f.GetSuggestedActions()[:min(len(f.GetSuggestedActions()), maxFixButtons)] {
		if len(a.GetInputs()) > 0 {
			// The plan would be refused until an operator supplies the
			// value: say which and how instead of offering a button.
			toFill = append(toFill, inputsLine(o, a))
			continue
		}
		label := "🛠️ " + describeAction(o.lang, a)
		btn := slack.NewButtonBlockElement(fmt.Sprintf("%s.%d", actionFix, i), fixValue(f, i),
			slack.NewTextBlockObject(slack.PlainTextType, clip(label, 75), true, false))
		buttons = append(buttons, btn)
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock("", buttons...))
	}
	if len(toFill) > 0 {
		blocks = append(blocks, section(strings.Join(toFill, "\n")))
	}
	return blocks
}

// inputsLine tells the operator which values a suggested action still needs
// (Action.inputs) and, for a ConfigMap patch, the command to run once they
// know them.
func inputsLine(o origin, a *kubemedicv1.Action) string {
	var fields, hints []string
	for _, in := range a.GetInputs() {
		key := in.GetField()[strings.LastIndex(in.GetField(), ".")+1:]
		fields = append(fields, "`"+escapeMrkdwn(key)+"`")
		if h := localized(o.lang, in.GetHint()); h != "" {
			hints = append(hints, escapeMrkdwn(h))
		}
	}
	line := language.Pick(o.lang,
		fmt.Sprintf("✍️ %s: 실행하려면 %s 값이 필요해요.", describeAction(o.lang, a), strings.Join(fields, ", ")),
		fmt.Sprintf("✍️ %s needs a value for %s before it can run.", describeAction(o.lang, a), strings.Join(fields, ", ")))
	if len(hints) > 0 {
		line += " " + strings.Join(hints, " ")
	}
	if p := a.GetPatchConfigMap(); p != nil {
		missing := map[string]bool{}
		for _, in := range a.GetInputs() {
			if k, ok := strings.CutPrefix(in.GetField(), "patch_config_map.set."); ok {
				missing[k] = true
			}
		}
		args := []string{"patch-cm", p.GetNamespace() + "/" + p.GetName()}
		for _, k := range slices.Sorted(maps.Keys(p.GetSet())) {
			if !missing[k] {
				args = append(args, k+"="+p.GetSet()[k])
			}
		}
		for _, k := range slices.Sorted(maps.Keys(missing)) {
			args = append(args, k+"="+language.Pick(o.lang, "<값>", "<value>"))
		}
		line += "\n" + language.Pick(o.lang, "값을 채워 실행: ", "Fill it in and run: ") + o.code(strings.Join(args, " "))
	}
	return line
}

// describeAction says in one line what an action does to what.
func describeAction(lang string, a *kubemedicv1.Action) string {
	switch k := a.GetKind().(type) {
	case *kubemedicv1.Action_Cordon:
		return language.Pick(lang, "노드 "+k.Cordon.GetNode()+" cordon", "cordon node "+k.Cordon.GetNode())
	case *kubemedicv1.Action_Uncordon:
		return language.Pick(lang, "노드 "+k.Uncordon.GetNode()+" uncordon", "uncordon node "+k.Uncordon.GetNode())
	case *kubemedicv1.Action_Drain:
		return language.Pick(lang, "노드 "+k.Drain.GetNode()+" drain", "drain node "+k.Drain.GetNode())
	case *kubemedicv1.Action_Scale:
		t := cmp.Or(k.Scale.GetKind(), "Deployment") + " " + k.Scale.GetNamespace() + "/" + k.Scale.GetName()
		return language.Pick(lang, fmt.Sprintf("%s 레플리카 %d개로 조정", t, k.Scale.GetReplicas()), fmt.Sprintf("scale %s to %d", t, k.Scale.GetReplicas()))
	case *kubemedicv1.Action_PatchConfigMap:
		t := "ConfigMap " + k.PatchConfigMap.GetNamespace() + "/" + k.PatchConfigMap.GetName()
		return language.Pick(lang, t+" 수정", "patch "+t)
	case *kubemedicv1.Action_RolloutRestart:
		t := cmp.Or(k.RolloutRestart.GetKind(), "Deployment") + " " + k.RolloutRestart.GetNamespace() + "/" + k.RolloutRestart.GetName()
		return language.Pick(lang, t+" 재시작", "restart "+t)
	case *kubemedicv1.Action_DeletePod:
		t := "Pod " + k.DeletePod.GetNamespace() + "/" + k.DeletePod.GetName()
		return language.Pick(lang, t+" 삭제", "delete "+t)
	}
	return language.Pick(lang, "알 수 없는 조치", "unknown action")
}
