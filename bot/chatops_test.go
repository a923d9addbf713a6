package bot_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// button is one button of a posted message.
type button struct {
	ActionID, Value string
	Confirm         string // the confirm dialog's title and text
}

func (p post) buttons() []button {
	var out []button
	for _, b := range p.Blocks {
		if b["type"] != "actions" {
			continue
		}
		els, _ := b["elements"].([]any)
		for _, e := range els {
			m, _ := e.(map[string]any)
			btn := button{ActionID: fmt.Sprint(m["action_id"]), Value: fmt.Sprint(m["value"])}
			if c, ok := m["confirm"].(map[string]any); ok {
				title, _ := c["title"].(map[string]any)
				text, _ := c["text"].(map[string]any)
				btn.Confirm = fmt.Sprint(title["text"]) + " " + fmt.Sprint(text["text"])
			}
			out = append(out, btn)
		}
	}
	return out
}

func (p post) button(t *testing.T, actionID string) button {
	t.Helper()
	for _, b := range p.buttons() {
		if b.ActionID == actionID {
			return b
		}
	}
	t.Fatalf("message has no %s button; buttons: %+v\n%s", actionID, p.buttons(), p.texts())
	return button{}
}

// clickPayload is a block_actions payload as Slack sends it when user
// clicks b in the message at channel/ts.
func (e *env) clickPayload(user string, b button, channel, ts, actionTS string) string {
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "api_app_id": "A123456", "token": "XXYYZZ", "trigger_id": "123.456.789",
		"user":         map[string]any{"id": user, "username": strings.ToLower(user), "team_id": "T0001"},
		"team":         map[string]any{"id": "T0001", "domain": "example"},
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
		"channel":      map[string]any{"id": channel, "name": "platform"},
		"message":      map[string]any{"type": "message", "ts": ts, "text": "plan"},
		"response_url": e.responseURL,
		"actions": []map[string]any{{
			"action_id": b.ActionID, "block_id": "plan", "type": "button", "value": b.Value, "action_ts": actionTS,
			"text": map[string]any{"type": "plain_text", "text": "button"},
		}},
		"state": map[string]any{"values": map[string]any{}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

func (e *env) click(user string, b button, channel, ts, actionTS string) {
	e.t.Helper()
	resp, body := e.send("/slack/interactivity", "application/x-www-form-urlencoded", e.clickPayload(user, b, channel, ts, actionTS))
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("click %s: status %d %s", b.ActionID, resp.StatusCode, body)
	}
}

// nextMatching returns the next post to s for which ok holds, skipping
// others (progress updates), within 10 seconds.
func (s *sink) nextMatching(t *testing.T, what string, ok func(post) bool) post {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case p := <-s.posts:
			if p.Invalid != "" {
				t.Errorf("message breaks Block Kit limits: %s", p.Invalid)
			}
			if ok(p) {
				return p
			}
		case <-deadline:
			t.Fatalf("no %s reached Slack within 10s", what)
		}
	}
}

func TestDiagnoseFindings(t *testing.T) {
	e := newEnv(t)
	_, ack := e.slash("diagnose prod shop")
	if !strings.Contains(ack.Text, "찾는 중") {
		t.Fatalf("ack %q", ack.raw)
	}
	p := e.responses.next(t)
	all := p.texts()
	for _, want := range []string{"prod 진단 결과: 문제 2건", "🟠 오류", "*Pod shop/web-7c9f-0*", "`PodUnschedulable/InsufficientCPU`",
		"파드가 스케줄되지 않아요 (CPU 부족)", "노드 3개 모두 CPU 요청량을 감당할 수 없어요.", "*FailedScheduling* 0/3 nodes are available: 3 Insufficient cpu. (×7)",
		"`k8s-pod-pending-insufficient-resources`", "🔴 심각", "*Deployment shop/api*", "오브젝트 42개 검사"} {
		if !strings.Contains(all, want) {
			t.Errorf("findings lack %q:\n%s", want, all)
		}
	}
	fix := p.button(t, "finding.fix.0")
	if fix.Value != "prod fp-pending-web-0 0" {
		t.Errorf("fix button value %q, want only IDs: cluster, fingerprint, index", fix.Value)
	}
	if !strings.Contains(all, "노드 node-1 drain") {
		t.Errorf("the suggested fix is not named:\n%s", all)
	}
	d := e.diagnosis.requests
	if len(d) != 1 || d[0].GetCluster() != "prod" || d[0].GetNamespaces()[0] != "shop" {
		t.Errorf("diagnosis requests %v", d)
	}

	t.Run("fix button opens a plan in the thread", func(t *testing.T) {
		e.click(userA, fix, channelOps, "1767225700.000001", "1767225701.000001")
		plan := e.slackAPI.next(t)
		if plan.Method != "chat.postMessage" || plan.Channel != channelOps || plan.ThreadTS != "1767225700.000001" {
			t.Fatalf("plan posted by %s to %s thread %q", plan.Method, plan.Channel, plan.ThreadTS)
		}
		if !strings.Contains(plan.texts(), "조치 계획: 노드 node-1 drain (prod)") {
			t.Errorf("plan %s", plan.texts())
		}
	})
}

func TestDiagnoseUsesChannelCluster(t *testing.T) {
	e := newEnv(t)
	e.slash("diagnose")
	all := e.responses.next(t).texts()
	if !strings.Contains(all, "prod 진단 결과") || !strings.Contains(all, "발견된 문제가 없어요") {
		t.Errorf("reply %s", all)
	}
	if e.diagnosis.requests[0].GetCluster() != "prod" {
		t.Errorf("diagnosed %q, want the channel's cluster prod", e.diagnosis.requests[0].GetCluster())
	}
}

// TestDiagnosePaginated: 23 long findings are three messages, each within
// Block Kit's limits, every finding shown whole.
func TestDiagnosePaginated(t *testing.T) {
	e := newEnv(t)
	e.slash("diagnose prod load --lang en")
	var all []string
	for page := 1; page <= 3; page++ {
		p := e.responses.next(t)
		if len(p.Blocks) > 50 {
			t.Fatalf("page %d has %d blocks", page, len(p.Blocks))
		}
		text := p.texts()
		if !strings.Contains(text, fmt.Sprintf("page %d of 3", page)) {
			t.Errorf("page %d lacks its page marker", page)
		}
		all = append(all, text)
	}
	e.responses.none(t, 100*time.Millisecond)
	joined := strings.Join(all, "\n")
	for i := range 23 {
		name := fmt.Sprintf("*Pod load/worker-%03d*", i)
		if strings.Count(joined, name) != 1 {
			t.Errorf("%s shown %d times, want once", name, strings.Count(joined, name))
		}
	}
	if strings.Contains(joined, "not shown") {
		t.Error("more than three pieces of evidence shown for one finding")
	}
	if n := e.responses.invalid.Load(); n != 0 {
		t.Errorf("%d messages broke Block Kit limits", n)
	}
}

// TestDrainFlow is the approval loop: user A asks for a drain, the plan is
// posted, A's own approval is refused (high risk), B approves, progress is
// shown in place, the node is drained once however often Approve arrives,
// and Undo plans the uncordon.
func TestDrainFlow(t *testing.T) {
	e := newEnv(t)
	_, ack := e.slash("drain node-1")
	if !strings.Contains(ack.Text, "찾는 중") {
		t.Fatalf("ack %q", ack.raw)
	}
	plan := e.slackAPI.next(t)
	if plan.Method != "chat.postMessage" || plan.Channel != channelOps {
		t.Fatalf("plan went to %s %s", plan.Method, plan.Channel)
	}
	planTS := "1767225601.000001"
	text := plan.texts()
	for _, want := range []string{"조치 계획: 노드 node-1 drain (prod)", "⏳ 승인 대기", "⚠️ 높음", "<@" + userA + ">", "0 / 1",
		"파드 4개가 다른 노드로 옮겨져요", "✅ `drain-concurrency` 진행 중인 drain 없음", "*서버 dry-run*: ✅", "+  unschedulable: true"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan lacks %q:\n%s", want, text)
		}
	}
	approve := plan.button(t, "plan.approve")
	reject := plan.button(t, "plan.reject")
	if approve.Value != "pl-1 hpl-10123abcd" || reject.Value != approve.Value {
		t.Errorf("button values %q / %q, want the plan ID and hash only", approve.Value, reject.Value)
	}
	for _, b := range []button{approve, reject} {
		if !strings.Contains(b.Confirm, "노드 node-1 drain (prod)") {
			t.Errorf("%s confirm dialog %q does not name the action and target", b.ActionID, b.Confirm)
		}
	}
	if r := e.responses.next(t); !strings.Contains(r.Text, "계획을 채널에 올렸어요: `pl-1`") {
		t.Errorf("requester told %q", r.Text)
	}
	req := e.remediation.planCalls[0]
	if req.GetRequester().GetKubernetesUser() != "jiyoung@example.com" || req.GetRequester().GetSlackUserId() != userA || req.GetAction().GetCluster() != "prod" {
		t.Errorf("plan request %v", req)
	}

	// A approves their own high-risk plan: refused, said to A alone.
	e.click(userA, approve, channelOps, planTS, "1767225602.000001")
	refused := e.responses.next(t)
	if refused.Type != "ephemeral" || refused.Replace || !strings.Contains(refused.texts(), "승인이 거부됐어요: high-risk plan: the approver must be someone other than the requester") {
		t.Fatalf("refusal %+v", refused)
	}
	if _, n := e.remediation.counts("pl-1"); n != 0 {
		t.Fatalf("Execute called %d times after a refused approval", n)
	}

	// B approves: the message turns into the execution, updated in place.
	payload := e.clickPayload(userB, approve, channelOps, planTS, "1767225603.000001")
	if resp, body := e.send("/slack/interactivity", "application/x-www-form-urlencoded", payload); resp.StatusCode != 200 {
		t.Fatalf("approve: %d %s", resp.StatusCode, body)
	}
	approved := e.slackAPI.next(t)
	if approved.Method != "chat.update" || approved.TS != planTS || !strings.Contains(approved.texts(), "<@"+userB+"> 님이 승인했어요") {
		t.Fatalf("after approval: %s ts %s %s", approved.Method, approved.TS, approved.texts())
	}
	if len(approved.buttons()) != 0 {
		t.Errorf("an approved plan still offers buttons: %+v", approved.buttons())
	}
	// A double click (a second delivery with a new action_ts) and a
	// replay of the same payload while it runs.
	e.click(userB, approve, channelOps, planTS, "1767225603.000002")
	if resp, _ := e.send("/slack/interactivity", "application/x-www-form-urlencoded", payload); resp.StatusCode != 200 {
		t.Fatalf("replay: status %d", resp.StatusCode)
	}
	done := e.slackAPI.nextMatching(t, "finished execution", func(p post) bool {
		if p.Method != "chat.update" || p.TS != planTS {
			t.Errorf("progress went to %s ts %s, want chat.update of %s", p.Method, p.TS, planTS)
		}
		return strings.Contains(p.texts(), "✅ 완료")
	})
	for _, want := range []string{"실행: 노드 node-1 drain (prod)", "`ex-pl-1`", "node-1 cordon", "파드 shop/web-2 축출"} {
		if !strings.Contains(done.texts(), want) {
			t.Errorf("final message lacks %q:\n%s", want, done.texts())
		}
	}
	undo := done.button(t, "exec.undo")
	if undo.Value != "ex-pl-1" || !strings.Contains(undo.Confirm, "노드 node-1 drain (prod)") {
		t.Errorf("undo button %+v", undo)
	}
	if !e.remediation.isCordoned("node-1") {
		t.Error("node-1 was not drained")
	}
	e.slackAPI.none(t, 300*time.Millisecond) // the duplicates did nothing
	if executed, calls := e.remediation.counts("pl-1"); executed != 1 || calls != 1 {
		t.Errorf("plan executed %d times with %d Execute calls, want once", executed, calls)
	}

	// Undo plans the uncordon in the execution's thread; B approves it.
	e.click(userA, undo, channelOps, planTS, "1767225604.000001")
	undoPlan := e.slackAPI.next(t)
	if undoPlan.Method != "chat.postMessage" || undoPlan.ThreadTS != planTS || !strings.Contains(undoPlan.texts(), "조치 계획: 노드 node-1 uncordon (prod)") {
		t.Fatalf("undo plan: %s thread %s %s", undoPlan.Method, undoPlan.ThreadTS, undoPlan.texts())
	}
	e.responses.next(t) // "되돌리기 계획을 올렸어요" to A
	e.click(userB, undoPlan.button(t, "plan.approve"), channelOps, "1767225601.000002", "1767225605.000001")
	e.slackAPI.nextMatching(t, "finished undo", func(p post) bool { return strings.Contains(p.texts(), "✅ 완료") })
	if e.remediation.isCordoned("node-1") {
		t.Error("undo did not uncordon node-1")
	}
}

func TestRejectButton(t *testing.T) {
	e := newEnv(t)
	e.slash("cordon node-2")
	plan := e.slackAPI.next(t)
	e.responses.next(t)
	e.click(userB, plan.button(t, "plan.reject"), channelOps, "1767225601.000001", "1767225602.000001")
	up := e.slackAPI.next(t)
	if up.Method != "chat.update" || !strings.Contains(up.texts(), "🚫 거절됨") || !strings.Contains(up.texts(), "님이 거절했어요") || len(up.buttons()) != 0 {
		t.Fatalf("after reject: %s %s %+v", up.Method, up.texts(), up.buttons())
	}
}

// TestUnmappedUser: a Slack user without a Kubernetes identity can ask and
// diagnose, but not plan or approve.
func TestUnmappedUser(t *testing.T) {
	e := newEnv(t)
	e.send("/slack/commands", "application/x-www-form-urlencoded", e.slashFormAs(unmapped, "drain node-1"))
	r := e.responses.next(t)
	if !strings.Contains(r.texts(), "쿠버네티스 사용자와 연결되어 있지 않아") || !strings.Contains(r.texts(), "`bot.users`") {
		t.Errorf("reply %s", r.texts())
	}
	if n := len(e.remediation.planCalls); n != 0 {
		t.Errorf("%d plans made for an unmapped user", n)
	}
	e.send("/slack/commands", "application/x-www-form-urlencoded", e.slashFormAs(unmapped, "diagnose prod shop"))
	if all := e.responses.next(t).texts(); !strings.Contains(all, "문제 2건") {
		t.Errorf("diagnose by an unmapped user: %s", all)
	}
	e.send("/slack/commands", "application/x-www-form-urlencoded", e.slashFormAs(unmapped, "파드가 계속 Pending이에요"))
	if all := e.responses.next(t).texts(); !strings.Contains(all, "파드가 Pending 상태일 때") {
		t.Errorf("ask by an unmapped user: %s", all)
	}
	e.click(unmapped, button{ActionID: "plan.approve", Value: "pl-9 hpl-9"}, channelOps, "1767225601.000001", "1767225602.000001")
	if r := e.responses.next(t); r.Type != "ephemeral" || !strings.Contains(r.texts(), "조치 계획·승인은 할 수 없어요") {
		t.Errorf("approve by an unmapped user: %+v", r)
	}
}

// TestApproveCommand approves by typing the plan ID.
func TestApproveCommand(t *testing.T) {
	e := newEnv(t)
	e.slash("restart shop/web")
	plan := e.slackAPI.next(t)
	e.responses.next(t)
	e.send("/slack/commands", "application/x-www-form-urlencoded", e.slashFormAs(userB, "approve pl-1"))
	e.slackAPI.nextMatching(t, "execution", func(p post) bool { return p.Method == "chat.update" && strings.Contains(p.texts(), "실행") })
	if executed, _ := e.remediation.counts("pl-1"); executed != 1 {
		t.Errorf("executed %d times", executed)
	}
	_ = plan
	e.send("/slack/commands", "application/x-www-form-urlencoded", e.slashFormAs(userB, "approve pl-77"))
	if r := e.responses.nextMatching(t, "unknown plan answer", func(p post) bool { return strings.Contains(p.texts(), "찾을 수 없어요") }); r.Type != "ephemeral" {
		t.Errorf("reply %+v", r)
	}
}

func TestSweep(t *testing.T) {
	e := newEnv(t)
	e.slash("sweep")
	all := e.responses.next(t).texts()
	for _, want := range []string{"점검 결과: 새 문제 1건, 해결 1건, 계속 3건", "✅ *prod* — 문제 2건", "❌ *staging* — cluster unreachable", "*Pod shop/web-7c9f-0* (prod)", "*해결됨*", "`sw-42`"} {
		if !strings.Contains(all, want) {
			t.Errorf("sweep reply lacks %q:\n%s", want, all)
		}
	}
}

func TestAudit(t *testing.T) {
	e := newEnv(t)
	for _, node := range []string{"node-1", "node-2", "node-3"} {
		e.slash("cordon " + node)
		e.slackAPI.next(t)
		e.responses.next(t)
	}
	e.slash("audit")
	all := e.responses.next(t).texts()
	if !strings.Contains(all, "감사 기록") || strings.Index(all, "planned pl-3") > strings.Index(all, "planned pl-1") || !strings.Contains(all, "📝 계획 · <@"+userA+">") {
		t.Errorf("audit log (latest first, across pages):\n%s", all)
	}
	e.slash("audit pl-2")
	one := e.responses.next(t).texts()
	if !strings.Contains(one, "planned pl-2") || strings.Contains(one, "planned pl-1") {
		t.Errorf("audit of pl-2:\n%s", one)
	}
}

// TestLongDiffUploaded: a diff too long for the plan message is shown in
// part and uploaded whole as a file in the plan's thread.
func TestLongDiffUploaded(t *testing.T) {
	e := newEnv(t)
	e.slash("patch-cm shop/web-config LOG_LEVEL=debug")
	plan := e.slackAPI.next(t)
	if !strings.Contains(plan.texts(), "전체는 스레드에 파일로 올렸어요") || strings.Contains(plan.texts(), "+  LOG_LEVEL: debug") {
		t.Errorf("plan message should show the diff's beginning only:\n%s", plan.texts())
	}
	file := e.slackAPI.next(t)
	if file.Method != "files.upload" || file.Channel != channelOps || file.ThreadTS != "1767225601.000001" {
		t.Fatalf("upload %s to %s thread %q", file.Method, file.Channel, file.ThreadTS)
	}
	if !strings.Contains(file.Text, "+  LOG_LEVEL: debug") || !strings.Contains(file.Text, "line-299") {
		t.Errorf("uploaded diff is not whole (%d bytes)", len(file.Text))
	}
}

// TestIdentityByEmail maps a Slack user through the e-mail address
// users.info reports.
func TestIdentityByEmail(t *testing.T) {
	e := newEnv(t)
	e.send("/slack/commands", "application/x-www-form-urlencoded", e.slashFormAs(emailUser, "cordon node-5"))
	e.slackAPI.next(t)
	e.responses.next(t)
	if req := e.remediation.planCalls; len(req) != 1 || req[0].GetRequester().GetKubernetesUser() != "haneul@example.com" || req[0].GetRequester().GetSlackUserId() != emailUser {
		t.Fatalf("plan requests %v", req)
	}
}

// TestMentionPlansInThread: a change asked for in a mention is planned in
// the mention's thread.
func TestMentionPlansInThread(t *testing.T) {
	e := newEnv(t)
	e.send("/slack/events", "application/json", mentionEvent("Ev0DRAIN", "<@"+botUserID+"> drain node-7 --lang en", "1767225000.000050"))
	plan := e.slackAPI.next(t)
	if plan.Channel != channelOps || plan.ThreadTS != "1767225000.000050" || !strings.Contains(plan.texts(), "Plan: drain node node-7 (prod)") {
		t.Fatalf("plan in %s thread %q: %s", plan.Channel, plan.ThreadTS, plan.texts())
	}
	if ack := e.slackAPI.next(t); ack.ThreadTS != "1767225000.000050" || !strings.Contains(ack.Text, "Plan posted") {
		t.Errorf("mention answer %+v", ack)
	}
}

// TestDiagnoseNamespaceFlag is the acceptance's "/k8s diagnose -n shop":
// the channel's cluster, one namespace.
func TestDiagnoseNamespaceFlag(t *testing.T) {
	e := newEnv(t)
	e.slash("diagnose -n shop")
	if all := e.responses.next(t).texts(); !strings.Contains(all, "prod 진단 결과: 문제 2건") || !strings.Contains(all, "*Pod shop/web-7c9f-0*") {
		t.Errorf("reply %s", all)
	}
}

// TestForgedClickRefused: an Approve click with a forged signature or a
// five-minute-old timestamp is refused with 401 and approves nothing.
func TestForgedClickRefused(t *testing.T) {
	e := newEnv(t)
	e.slash("drain node-1")
	plan := e.slackAPI.next(t)
	e.responses.next(t)
	body := e.clickPayload(userB, plan.button(t, "plan.approve"), channelOps, "1767225601.000001", "1767225603.000001")
	now := e.clock.Now().Unix()
	fresh, stale := fmt.Sprint(now), fmt.Sprint(now-5*60-1)
	for name, h := range map[string]http.Header{
		"forged": {"X-Slack-Request-Timestamp": {fresh}, "X-Slack-Signature": {sign("not-the-secret", fresh, body)}},
		"stale":  {"X-Slack-Request-Timestamp": {stale}, "X-Slack-Signature": {sign(testSecret, stale, body)}},
	} {
		if resp, got := e.raw("/slack/interactivity", "application/x-www-form-urlencoded", body, h); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s click: status %d %s, want 401", name, resp.StatusCode, got)
		}
	}
	e.slackAPI.none(t, 300*time.Millisecond)
	e.responses.none(t, 0)
	if executed, calls := e.remediation.counts("pl-1"); executed != 0 || calls != 0 {
		t.Errorf("refused clicks executed the plan (%d, %d calls)", executed, calls)
	}
	e.remediation.mu.Lock()
	approvals := len(e.remediation.plans["pl-1"].GetApprovals())
	e.remediation.mu.Unlock()
	if approvals != 0 {
		t.Errorf("refused clicks recorded %d approvals", approvals)
	}
}
