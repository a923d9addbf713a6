// Package slack tests chat-ops end to end on real parts: `kubemedic serve`
// (embedded NATS, live diagnosis, remediation, gateway, Slack bot) in this
// process against the real control plane of test/clustertest, driven by
// Slack requests signed as Slack signs them, with a local stand-in for the
// Slack Web API and response URLs.
package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/services/allinone"
	"github.com/kubemedic/kubemedic/test/clustertest"
	"github.com/kubemedic/kubemedic/test/controlplane"
	"github.com/kubemedic/kubemedic/test/scenario"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

const (
	clusterName    = "harness"
	signingSecret  = "8f742231b10e8888abcd99yyyzzz85a5"
	botToken       = "xoxb-e2e-only"
	channel        = "C0PLATFORM"
	userA          = "U0JIYOUNG"
	userB          = "U0MINHO"
	operatorsGroup = "kubemedic-e2e-slack:operators"
)

// post is one message the bot sent: a Web API call or a response_url post.
type post struct {
	Method   string // chat.postMessage, chat.update, response_url
	Channel  string
	TS       string // the message's ts (assigned, or the one updated)
	ThreadTS string
	Text     string
	Type     string // response_type of response_url posts
	Blocks   []map[string]any
}

// all is the text and every block text of the post.
func (p post) all() string {
	b, _ := json.Marshal(p.Blocks)
	return p.Text + "\n" + string(b)
}

// button returns the value of the button actionID in the post.
func (p post) button(t *testing.T, actionID string) string {
	t.Helper()
	for _, b := range p.Blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			m, _ := e.(map[string]any)
			if m["action_id"] == actionID {
				return fmt.Sprint(m["value"])
			}
		}
	}
	t.Fatalf("no %s button in %s %s", actionID, p.Method, p.all())
	return ""
}

// slack stands in for the Slack Web API and response URLs.
type slack struct {
	t     *testing.T
	mu    sync.Mutex
	posts []post
	n     int
}

func (s *slack) record(p post) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.TS == "" && p.Method == "chat.postMessage" {
		s.n++
		p.TS = fmt.Sprintf("1767225601.%06d", s.n)
	}
	s.posts = append(s.posts, p)
	return p.TS
}

func (s *slack) handler() http.Handler {
	mux := http.NewServeMux()
	web := func(method string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.ParseForm() != nil || (r.Form.Get("token") != botToken && r.Header.Get("Authorization") != "Bearer "+botToken) {
				_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
				return
			}
			p := post{Method: method, Channel: r.Form.Get("channel"), TS: r.Form.Get("ts"), ThreadTS: r.Form.Get("thread_ts"), Text: r.Form.Get("text")}
			if b := r.Form.Get("blocks"); b != "" {
				_ = json.Unmarshal([]byte(b), &p.Blocks)
			}
			ts := s.record(p)
			_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, p.Channel, ts)
		}
	}
	mux.HandleFunc("/api/chat.postMessage", web("chat.postMessage"))
	mux.HandleFunc("/api/chat.update", web("chat.update"))
	mux.HandleFunc("/api/users.info", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": map[string]any{"id": r.Form.Get("user")}})
	})
	mux.HandleFunc("/response/", func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Text         string           `json:"text"`
			ResponseType string           `json:"response_type"`
			Blocks       []map[string]any `json:"blocks"`
		}
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.record(post{Method: "response_url", Text: m.Text, Type: m.ResponseType, Blocks: m.Blocks})
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.t.Logf("unexpected Slack call %s", r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":false,"error":"unknown_method"}`)
	})
	return mux
}

// await returns the first post after index from for which ok holds, and the
// index after it.
func (s *slack) await(t *testing.T, what string, from int, within time.Duration, ok func(post) bool) (post, int) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s.mu.Lock()
		got := append([]post(nil), s.posts...)
		s.mu.Unlock()
		for i := from; i < len(got); i++ {
			if ok(got[i]) {
				return got[i], i + 1
			}
		}
		if time.Now().After(deadline) {
			var seen []string
			for _, p := range got[from:] {
				seen = append(seen, p.Method+": "+clip(p.all(), 400))
			}
			t.Fatalf("no %s within %s; Slack got:\n%s", what, within, strings.Join(seen, "\n"))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// grantRBAC lets the operators group scale deployments and drain nodes, and the server's own
// identity (the harness's limited user: read-only plus impersonate) create
// SubjectAccessReviews and Events.
func grantRBAC(t *testing.T, env *clustertest.Env) {
	t.Helper()
	ctx := t.Context()
	roles := []rbacv1.ClusterRole{
		{ObjectMeta: metav1.ObjectMeta{Name: "kubemedic-e2e-slack:operator"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "patch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale"}, Verbs: []string{"get", "update", "patch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"replicasets"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}},
			// Drain: cordon the node, evict what runs on it; undo uncordons.
			{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "update", "patch"}},
			{APIGroups: []string{""}, Resources: []string{"pods/eviction"}, Verbs: []string{"create"}},
		}},
		{ObjectMeta: metav1.ObjectMeta{Name: "kubemedic-e2e-slack:service"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: []string{"create"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create"}},
			// What live diagnosis watches beyond the limited user's reads.
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list", "watch"}},
			{APIGroups: []string{"storage.k8s.io"}, Resources: []string{"storageclasses"}, Verbs: []string{"list", "watch"}},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingressclasses"}, Verbs: []string{"list", "watch"}},
		}},
	}
	for _, r := range roles {
		if _, err := env.Client.RbacV1().ClusterRoles().Create(ctx, &r, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	bindings := []rbacv1.ClusterRoleBinding{
		{ObjectMeta: metav1.ObjectMeta{Name: "kubemedic-e2e-slack:operator"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "kubemedic-e2e-slack:operator"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: operatorsGroup}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "kubemedic-e2e-slack:service"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "kubemedic-e2e-slack:service"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: controlplane.LimitedUser}}},
	}
	for _, b := range bindings {
		if _, err := env.Client.RbacV1().ClusterRoleBindings().Create(ctx, &b, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
}

func webDeployment(ns string, n int32) *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
}

// rig is a running `kubemedic serve` with the Slack stand-in, and the
// signed requests a test sends it.
type rig struct {
	sl    *slack
	slash func(user, text string)
	click func(user, actionID, value, ts string)
}

// serve starts the Slack stand-in and `kubemedic serve` against env's
// cluster, both stopped when the test ends.
func serve(t *testing.T, ctx context.Context, env *clustertest.Env) rig {
	t.Helper()
	sl := &slack{t: t}
	srv := httptest.NewServer(sl.handler())
	t.Cleanup(srv.Close)

	// kubemedic serve: the harness read through its limited user (reads and
	// impersonation only); both Slack users mapped to operators.
	dir := t.TempDir()
	cfgText := fmt.Sprintf(`clusters:
- name: %s
  kubeconfig: %s
remediation:
  rules:
  - groups: [%q]
    verbs: [plan, approve]
    actions: ["*"]
  limits:
    cooldown: 1s
bot:
  users:
  - slack_user: %s
    kubernetes_user: jiyoung@example.com
    kubernetes_groups: [%q]
  - slack_user: %s
    kubernetes_user: minho@example.com
    kubernetes_groups: [%q]
`, clusterName, env.Cluster.LimitedKubeconfig, operatorsGroup, userA, operatorsGroup, userB, operatorsGroup)
	cfgFile := filepath.Join(dir, "kubemedic.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"KUBEMEDIC_DATA_DIR":             filepath.Join(dir, "data"),
		"KUBEMEDIC_GATEWAY_ADDR":         "127.0.0.1:0",
		"KUBEMEDIC_ADMIN_ADDR":           "127.0.0.1:0",
		"KUBEMEDIC_NATS_LISTEN":          "127.0.0.1:0",
		"KUBEMEDIC_BOT_ADDR":             "127.0.0.1:0",
		"KUBEMEDIC_LOG_LEVEL":            "warn",
		"KUBEMEDIC_NATS_REQUEST_TIMEOUT": "10s",
		"KUBEMEDIC_SLACK_API_URL":        srv.URL + "/api/",
	}
	t.Setenv("KUBEMEDIC_SLACK_SIGNING_SECRET", signingSecret)
	t.Setenv("KUBEMEDIC_SLACK_BOT_TOKEN", botToken)
	cfg, err := config.LoadWithEnv(cfgFile, func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(context.Background())
	var logs io.Writer = io.Discard
	if testing.Verbose() {
		logs = os.Stderr
	}
	s, err := allinone.New(sctx, cfg, logs)
	if err != nil {
		stop()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(sctx) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("kubemedic serve did not stop within 30s")
		}
	})
	if s.BotAddr == "" {
		t.Fatal("the Slack bot did not start")
	}

	send := func(path, body string) {
		t.Helper()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte(signingSecret))
		mac.Write([]byte("v0:" + ts + ":" + body))
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+s.BotAddr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d %s", path, resp.StatusCode, b)
		}
	}
	n := 0
	slash := func(user, text string) {
		t.Helper()
		n++
		send("/slack/commands", url.Values{
			"command": {"/k8s"}, "text": {text}, "user_id": {user}, "channel_id": {channel}, "team_id": {"T0001"},
			"response_url": {srv.URL + fmt.Sprintf("/response/%d", n)}, "trigger_id": {"1.2.3"},
		}.Encode())
	}
	clicks := 0
	click := func(user, actionID, value, ts string) {
		t.Helper()
		clicks++
		payload, _ := json.Marshal(map[string]any{
			"type": "block_actions", "api_app_id": "A0KUBEMEDIC", "trigger_id": "123.456.789",
			"user":         map[string]any{"id": user, "username": strings.ToLower(user), "team_id": "T0001"},
			"team":         map[string]any{"id": "T0001", "domain": "example"},
			"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
			"channel":      map[string]any{"id": channel, "name": "platform"},
			"message":      map[string]any{"type": "message", "ts": ts, "text": "plan"},
			"response_url": srv.URL + fmt.Sprintf("/response/click-%d", clicks),
			"actions": []map[string]any{{
				"action_id": actionID, "block_id": "plan", "type": "button", "value": value,
				"action_ts": fmt.Sprintf("1767225700.%06d", clicks), "text": map[string]any{"type": "plain_text", "text": "button"},
			}},
			"state": map[string]any{"values": map[string]any{}},
		})
		send("/slack/interactivity", url.Values{"payload": {string(payload)}}.Encode())
	}

	return rig{sl: sl, slash: slash, click: click}
}

// TestChatOps: diagnose a broken namespace from a slash command, plan a
// high-risk scale to zero, see the requester's own approval refused, have a
// second person approve it, check the cluster changed, and undo it.
func TestChatOps(t *testing.T) {
	env := clustertest.Namespace(t)
	grantRBAC(t, env)
	ns := env.Namespace
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	// The broken situation, from the scenario catalogue, and a healthy
	// deployment to scale.
	sc, err := scenario.Get("insufficient-cpu")
	if err != nil {
		t.Fatal(err)
	}
	target, err := scenario.NewTarget(env.Config, ns)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Apply(ctx, target); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.AppsV1().Deployments(ns).Create(ctx, webDeployment(ns, 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	r := serve(t, ctx, env)
	sl, slash, click := r.sl, r.slash, r.click

	// 1. Diagnose the namespace: the finding names the pod and the cause.
	// Until the informers have synced the answer says to try again later.
	var findings post
	at := 0
	for attempt := 0; ; attempt++ {
		slash(userA, "diagnose "+clusterName+" "+ns)
		var p post
		p, at = sl.await(t, "diagnose answer", at, 30*time.Second, func(p post) bool { return p.Method == "response_url" && !strings.Contains(p.all(), "찾는 중") })
		if strings.Contains(p.all(), "cpu-hog") {
			findings = p
			t.Logf("findings (attempt %d): %s", attempt+1, clip(p.Text, 300))
			break
		}
		if !strings.Contains(p.all(), "not analyzed yet") || attempt == 20 {
			t.Fatalf("diagnose answered without the broken pod:\n%s", clip(p.all(), 2000))
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, want := range []string{"Pod " + ns + "/cpu-hog", "PodUnschedulable/InsufficientCPU", "Insufficient cpu"} {
		if !strings.Contains(findings.all(), want) {
			t.Errorf("findings lack %q:\n%s", want, clip(findings.all(), 3000))
		}
	}

	// 2. A asks to scale web to 0: the plan is posted with Approve.
	slash(userA, "scale "+ns+"/web 0")
	plan, at := sl.await(t, "scale plan", at, 30*time.Second, func(p post) bool {
		return p.Method == "chat.postMessage" && p.Channel == channel && strings.Contains(p.all(), "plan.approve")
	})
	t.Logf("plan: %s", clip(plan.Text, 300))
	approve := plan.button(t, "plan.approve")
	if !strings.Contains(plan.all(), "web") {
		t.Errorf("plan does not name the deployment:\n%s", clip(plan.all(), 2000))
	}

	// 3. A approves their own high-risk plan: refused, with the reason.
	click(userA, "plan.approve", approve, plan.TS)
	refused, at := sl.await(t, "refused self-approval", at, 30*time.Second, func(p post) bool {
		return p.Method == "response_url" && strings.Contains(p.all(), "승인이 거부")
	})
	t.Logf("refusal shown to A: %s", clip(refused.Text, 300))
	if refused.Type != "ephemeral" || !strings.Contains(refused.all(), "requester") {
		t.Errorf("refusal = %s %s, want an ephemeral reply naming the requester rule", refused.Type, clip(refused.all(), 1000))
	}
	if d, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil || *d.Spec.Replicas != 2 {
		t.Fatalf("after the refused approval web is %v (%v), want 2 replicas", d.Spec.Replicas, err)
	}

	// 4. B approves: executed, the cluster changed, Undo offered.
	click(userB, "plan.approve", approve, plan.TS)
	finished, at := sl.await(t, "finished execution", at, 30*time.Second, func(p post) bool {
		return p.Method == "chat.update" && p.TS == plan.TS && strings.Contains(p.all(), "✅ 완료")
	})
	if d, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil || *d.Spec.Replicas != 0 {
		t.Fatalf("after the approved scale web is %v (%v), want 0 replicas", d.Spec.Replicas, err)
	}
	t.Logf("finished execution: %s", clip(finished.Text, 300))
	// The cluster's own record says who it was done for: the approver B.
	events, err := env.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=Deployment,involvedObject.name=web,reason=KubemedicExecuted"})
	if err != nil {
		t.Fatal(err)
	}
	if len(events.Items) != 1 || !strings.Contains(events.Items[0].Message, "minho@example.com") {
		var msgs []string
		for _, e := range events.Items {
			msgs = append(msgs, e.Message)
		}
		t.Errorf("KubemedicExecuted events on web = %q, want one naming minho@example.com", msgs)
	}
	undo := finished.button(t, "exec.undo")

	// 5. Undo plans the scale back in the thread; B approves; web has 2 again.
	click(userA, "exec.undo", undo, plan.TS)
	undoPlan, at := sl.await(t, "undo plan", at, 30*time.Second, func(p post) bool {
		return p.Method == "chat.postMessage" && p.ThreadTS == plan.TS && strings.Contains(p.all(), "plan.approve")
	})
	click(userB, "plan.approve", undoPlan.button(t, "plan.approve"), undoPlan.TS)
	sl.await(t, "finished undo", at, 30*time.Second, func(p post) bool {
		return p.Method == "chat.update" && p.TS == undoPlan.TS && strings.Contains(p.all(), "✅ 완료")
	})
	if d, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil || *d.Spec.Replicas != 2 {
		t.Fatalf("after undo web is %v (%v), want 2 replicas", d.Spec.Replicas, err)
	}
}

// TestChatOpsDrain: A drains a node running two replicated pods; A's own
// approval of the high-risk plan is refused, B's runs it with progress in
// place; the node ends cordoned and empty; Undo uncordons it.
func TestChatOpsDrain(t *testing.T) {
	env := clustertest.Namespace(t)
	grantRBAC(t, env)
	ns := env.Namespace
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	// A node of this test only, with a Deployment pinned to it.
	node := env.AddNode(t, "drain", controlplane.NodeOptions{}).Name
	web := webDeployment(ns, 2)
	web.Spec.Template.Spec.NodeSelector = map[string]string{corev1.LabelHostname: node}
	if _, err := env.Client.AppsV1().Deployments(ns).Create(ctx, web, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// podsOn lists the namespace's pods bound to node that are not being deleted.
	podsOn := func() []string {
		t.Helper()
		list, err := env.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range list.Items {
			if p.DeletionTimestamp == nil {
				names = append(names, p.Name+"="+string(p.Status.Phase))
			}
		}
		return names
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		got := podsOn()
		if len(got) == 2 && strings.Count(strings.Join(got, ","), "=Running") == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("web pods on %s = %v, want 2 running", node, got)
		}
	}
	cordonedNow := func() bool {
		t.Helper()
		n, err := env.Client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return n.Spec.Unschedulable
	}

	r := serve(t, ctx, env)
	sl, slash, click := r.sl, r.slash, r.click

	// 1. A asks to drain the node: the plan names it and the pods to evict.
	slash(userA, "drain "+node)
	plan, at := sl.await(t, "drain plan", 0, 30*time.Second, func(p post) bool {
		return p.Method == "chat.postMessage" && p.Channel == channel && strings.Contains(p.all(), "plan.approve")
	})
	t.Logf("plan: %s", clip(plan.Text, 300))
	for _, want := range []string{node, ns + "/web-"} {
		if !strings.Contains(plan.all(), want) {
			t.Errorf("plan lacks %q:\n%s", want, clip(plan.all(), 3000))
		}
	}
	approve := plan.button(t, "plan.approve")

	// 2. A approves their own drain: refused (high risk), shown only to A,
	// and the node is untouched.
	click(userA, "plan.approve", approve, plan.TS)
	refused, at := sl.await(t, "refused self-approval", at, 30*time.Second, func(p post) bool {
		return p.Method == "response_url" && strings.Contains(p.all(), "승인이 거부")
	})
	t.Logf("refusal shown to A: %s", clip(refused.Text, 300))
	if refused.Type != "ephemeral" || !strings.Contains(refused.all(), "requester") {
		t.Errorf("refusal = %s %s, want an ephemeral reply naming the requester rule", refused.Type, clip(refused.all(), 1000))
	}
	if cordonedNow() || len(podsOn()) != 2 {
		t.Fatalf("after the refused approval: cordoned=%v pods=%v, want schedulable with 2 pods", cordonedNow(), podsOn())
	}

	// 3. B approves: the plan message is updated in place until done.
	click(userB, "plan.approve", approve, plan.TS)
	finished, _ := sl.await(t, "finished drain", at, 45*time.Second, func(p post) bool {
		return p.Method == "chat.update" && p.TS == plan.TS && strings.Contains(p.all(), "✅ 완료")
	})
	t.Logf("finished execution: %s", clip(finished.Text, 300))
	sl.mu.Lock()
	updates := 0
	for _, p := range sl.posts {
		if p.Method == "chat.update" && p.TS == plan.TS {
			updates++
		}
	}
	sl.mu.Unlock()
	if updates < 2 {
		t.Errorf("the plan message was updated %d times, want progress before the final result", updates)
	}
	if !strings.Contains(finished.all(), "web-") {
		t.Errorf("the finished message names no evicted pod:\n%s", clip(finished.all(), 3000))
	}
	if !cordonedNow() {
		t.Error("after the drain the node is schedulable")
	}
	if got := podsOn(); len(got) != 0 {
		t.Errorf("after the drain pods still on %s: %v", node, got)
	}

	// 4. Undo plans the uncordon in the thread (low risk: A may approve it).
	click(userA, "exec.undo", finished.button(t, "exec.undo"), plan.TS)
	undoPlan, at := sl.await(t, "undo plan", at, 30*time.Second, func(p post) bool {
		return p.Method == "chat.postMessage" && p.ThreadTS == plan.TS && strings.Contains(p.all(), "plan.approve")
	})
	click(userA, "plan.approve", undoPlan.button(t, "plan.approve"), undoPlan.TS)
	sl.await(t, "finished undo", at, 30*time.Second, func(p post) bool {
		return p.Method == "chat.update" && p.TS == undoPlan.TS && strings.Contains(p.all(), "✅ 완료")
	})
	if cordonedNow() {
		t.Error("after undo the node is still cordoned")
	}
}
