package deploycheck

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

const (
	releaseName      = "kubemedic"
	releaseNamespace = "kubemedic"
	externalNATS     = "nats://nats.messaging.svc:4222"
)

func chartDir(root string) string { return filepath.Join(root, "deploy", "helm", "kubemedic") }

// kubeComponents are the components that talk to the Kubernetes API.
var kubeComponents = []string{"collector", "analyzer", "remediation"}

// chartComponents are the Deployments the chart can render.
var chartComponents = []string{"collector", "analyzer", "remediation", "gateway", "bot"}

// release is one rendered chart, decoded into API types.
type release struct {
	values          chartutil.Values // merged values (.Values)
	appVersion      string
	deployments     map[string]*appsv1.Deployment // by component
	statefulSets    []*appsv1.StatefulSet
	services        map[string]*corev1.Service
	configMaps      map[string]*corev1.ConfigMap
	serviceAccounts map[string]*corev1.ServiceAccount
	clusterRoles    map[string]*rbacv1.ClusterRole
	bindings        []*rbacv1.ClusterRoleBinding
	netpols         []*networkingv1.NetworkPolicy
	notes           string
	kinds           map[string]int
}

// renderChart renders the chart with Helm's engine, as helm template does,
// and strictly decodes the output.
func renderChart(t *testing.T, root string, overrides map[string]any) (*release, error) {
	t.Helper()
	ch, err := loader.Load(chartDir(root))
	if err != nil {
		t.Fatalf("loading chart: %v", err)
	}
	vals, err := chartutil.ToRenderValues(ch, overrides, chartutil.ReleaseOptions{
		Name: releaseName, Namespace: releaseNamespace, Revision: 1, IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatalf("chart values: %v", err)
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		return nil, err
	}
	r := &release{
		appVersion:      ch.Metadata.AppVersion,
		deployments:     map[string]*appsv1.Deployment{},
		services:        map[string]*corev1.Service{},
		configMaps:      map[string]*corev1.ConfigMap{},
		serviceAccounts: map[string]*corev1.ServiceAccount{},
		clusterRoles:    map[string]*rbacv1.ClusterRole{},
		kinds:           map[string]int{},
	}
	r.values, err = vals.Table("Values")
	if err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range out {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		text := out[name]
		if strings.HasSuffix(name, "NOTES.txt") {
			r.notes = text
			continue
		}
		objs, err := decodeManifests(name, text)
		if err != nil {
			t.Fatalf("rendered chart: %v", err)
		}
		for _, o := range objs {
			r.add(t, o)
		}
	}
	return r, nil
}

func (r *release) add(t *testing.T, o runtime.Object) {
	t.Helper()
	kind := typeName(o)
	r.kinds[kind]++
	switch o := o.(type) {
	case *appsv1.Deployment:
		c := o.Labels["app.kubernetes.io/component"]
		if _, dup := r.deployments[c]; dup || c == "" {
			t.Errorf("Deployment %s: component label %q missing or repeated", o.Name, c)
		}
		r.deployments[c] = o
	case *appsv1.StatefulSet:
		r.statefulSets = append(r.statefulSets, o)
	case *corev1.Service:
		r.services[o.Name] = o
	case *corev1.ConfigMap:
		r.configMaps[o.Name] = o
	case *corev1.ServiceAccount:
		r.serviceAccounts[o.Name] = o
	case *rbacv1.ClusterRole:
		r.clusterRoles[o.Name] = o
	case *rbacv1.ClusterRoleBinding:
		r.bindings = append(r.bindings, o)
	case *networkingv1.NetworkPolicy:
		r.netpols = append(r.netpols, o)
	default:
		t.Errorf("the chart renders an unexpected %T", o)
	}
	if m, ok := o.(interface{ GetNamespace() string }); ok {
		switch o.(type) {
		case *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
		default:
			if ns := m.GetNamespace(); ns != releaseNamespace {
				t.Errorf("%s renders in namespace %q, want the release namespace %q", kind, ns, releaseNamespace)
			}
		}
	}
}

func typeName(o runtime.Object) string {
	gvks, _, err := scheme.Scheme.ObjectKinds(o)
	if err != nil || len(gvks) == 0 {
		return "unknown"
	}
	return gvks[0].Kind
}

func TestHelmLint(t *testing.T) {
	root := repoRoot(t)
	tests := []struct {
		name   string
		values map[string]any
	}{
		{"external NATS", map[string]any{"nats": map[string]any{"url": externalNATS}}},
		{"bundled NATS and network policies", map[string]any{
			"nats":          map[string]any{"deploy": true},
			"networkPolicy": map[string]any{"enabled": true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lint.AllWithKubeVersion(chartDir(root), tt.values, releaseNamespace, nil)
			for _, m := range l.Messages {
				if m.Severity >= support.WarningSev {
					t.Errorf("helm lint: %s", m)
				} else {
					t.Logf("helm lint: %s", m)
				}
			}
		})
	}
}

func TestHelmRender(t *testing.T) {
	root := repoRoot(t)
	tests := []struct {
		name      string
		values    map[string]any
		wantKinds map[string]int
		wantErr   string
	}{
		{
			name:   "external NATS",
			values: map[string]any{"nats": map[string]any{"url": externalNATS}},
			wantKinds: map[string]int{
				"Deployment": 5, "Service": 2, "ConfigMap": 1, "ServiceAccount": 5,
				"ClusterRole": 2, "ClusterRoleBinding": 3,
			},
		},
		{
			name: "bundled NATS, network policies, remote cluster",
			values: map[string]any{
				"nats":          map[string]any{"deploy": true},
				"networkPolicy": map[string]any{"enabled": true},
				"analyzer":      map[string]any{"replicas": 3},
				"remoteClusters": []any{map[string]any{
					"name": "prod-seoul", "provider": "nks", "secretName": "prod-seoul-kubeconfig", "key": "config",
					"labels": map[string]any{"env": "prod", "region": "kr-central-1"},
				}},
				"config": map[string]any{"fleet": map[string]any{
					"replicas": 3, "concurrency": 4, "cluster_timeout": "2m", "slack_channel": "C0123456789",
					"sweeps": []any{map[string]any{"name": "prod", "schedule": "*/15 * * * *", "selector": "env=prod", "jitter": "1m"}},
				}},
				"remediation": map[string]any{"impersonation": map[string]any{
					"users": []any{"alice@example.com"}, "groups": []any{"platform-oncall"},
				}},
			},
			wantKinds: map[string]int{
				"Deployment": 5, "StatefulSet": 1, "Service": 3, "ConfigMap": 2, "ServiceAccount": 5,
				"ClusterRole": 2, "ClusterRoleBinding": 3, "NetworkPolicy": 6,
			},
		},
		{
			name: "no bot, NATS credentials, only remote clusters",
			values: map[string]any{
				"nats":    map[string]any{"url": externalNATS, "credentialsSecret": map[string]any{"name": "kubemedic-nats"}},
				"bot":     map[string]any{"enabled": false},
				"cluster": map[string]any{"inCluster": false},
				"remoteClusters": []any{map[string]any{
					"name": "tke-prod", "provider": "tke", "secretName": "tke-prod-kubeconfig",
				}},
			},
			wantKinds: map[string]int{
				"Deployment": 4, "Service": 1, "ConfigMap": 1, "ServiceAccount": 4,
				"ClusterRole": 2, "ClusterRoleBinding": 3,
			},
		},
		{
			name:    "no NATS",
			values:  map[string]any{},
			wantErr: "nats.url is required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := renderChart(t, root, tt.values)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("render error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("helm template fails: %v", err)
			}
			for k, n := range tt.wantKinds {
				if r.kinds[k] != n {
					t.Errorf("renders %d %s, want %d (all kinds: %v)", r.kinds[k], k, n, r.kinds)
				}
			}
			for k := range r.kinds {
				if _, ok := tt.wantKinds[k]; !ok {
					t.Errorf("renders unexpected %s", k)
				}
			}
			checkRelease(t, root, r)
		})
	}
}

// checkRelease asserts the wiring of one rendered release.
func checkRelease(t *testing.T, root string, r *release) {
	fullname := releaseName
	natsURL := externalNATS
	if deploy, _ := r.values["nats"].(map[string]any)["deploy"].(bool); deploy {
		natsURL = "nats://" + fullname + "-nats:4222"
		checkChartNATS(t, root, r, fullname)
	}
	for _, c := range chartComponents {
		d, ok := r.deployments[c]
		enabled, _ := r.values[c].(map[string]any)["enabled"].(bool)
		if ok != enabled {
			t.Errorf("%s: enabled=%v but Deployment rendered=%v", c, enabled, ok)
		}
		if ok {
			t.Run(c, func(t *testing.T) { checkChartDeployment(t, root, r, c, d, natsURL) })
		}
	}
	for name, s := range r.services {
		checkChartService(t, r, name, s)
	}
	checkChartRBAC(t, r, fullname)
	for _, np := range r.netpols {
		checkNetworkPolicy(t, r, np)
	}
	if impersonation := r.values["remediation"].(map[string]any)["impersonation"].(map[string]any); impersonation["users"] == nil || len(impersonation["users"].([]any)) == 0 {
		if !strings.Contains(r.notes, "remediation.impersonation.users is empty") {
			t.Errorf("NOTES.txt does not warn that remediation cannot impersonate anyone")
		}
	}
}

func checkChartDeployment(t *testing.T, root string, r *release, c string, d *appsv1.Deployment, natsURL string) {
	vals := r.values[c].(map[string]any)
	if want := int32(toFloat(vals["replicas"])); d.Spec.Replicas == nil || *d.Spec.Replicas != want {
		t.Errorf("replicas %v, want %d from values", d.Spec.Replicas, want)
	}
	sel, err := metaSelector(d)
	if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("selector %v does not match the pod labels %v", d.Spec.Selector, d.Spec.Template.Labels)
	}
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	ctr := pod.Containers[0]

	// Image and binary.
	if _, ok := binaries[c]; !ok {
		t.Fatalf("component %s has no binary", c)
	}
	if want := "kubemedic/" + c + ":" + r.appVersion; ctr.Image != want {
		t.Errorf("image %s, want %s (built from deploy/docker/%s.Dockerfile)", ctr.Image, want, c)
	}
	img := imageFacts(t, root, c)
	if len(ctr.Command) > 0 {
		t.Errorf("command %q overrides the image's entrypoint %q", ctr.Command, img.entrypoint)
	}
	if !slices.Equal(ctr.Args, []string{"--config", "/etc/kubemedic/config.yaml"}) {
		t.Errorf("args %q, want --config /etc/kubemedic/config.yaml", ctr.Args)
	}

	// Volumes and the config file.
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
		if v.ConfigMap != nil {
			if _, ok := r.configMaps[v.ConfigMap.Name]; !ok {
				t.Errorf("volume %s uses ConfigMap %s, which the chart does not render", v.Name, v.ConfigMap.Name)
			}
		}
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range ctr.VolumeMounts {
		mounts[m.MountPath] = m
		if _, ok := volumes[m.Name]; !ok {
			t.Errorf("volumeMount %s refers to no volume", m.Name)
		}
	}
	configFile := fileFromMount(t, r, volumes, mounts, "/etc/kubemedic/config.yaml")
	if configFile == "" {
		t.Fatalf("/etc/kubemedic/config.yaml is not mounted from a rendered ConfigMap")
	}

	// Environment.
	env := map[string]string{}
	for k, v := range img.env {
		env[k] = v
	}
	secretEnv := map[string]bool{}
	for _, e := range ctr.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = "placeholder-from-secret"
			secretEnv[e.Name] = true
		case e.ValueFrom != nil:
			t.Errorf("env %s: unexpected valueFrom %+v", e.Name, e.ValueFrom)
		default:
			env[e.Name] = e.Value
			if secretName.MatchString(e.Name) {
				t.Errorf("env %s holds a literal value; take it from a Secret (secretKeyRef)", e.Name)
			}
		}
	}
	if env["KUBEMEDIC_NATS_URL"] != natsURL {
		t.Errorf("KUBEMEDIC_NATS_URL=%q, want %q", env["KUBEMEDIC_NATS_URL"], natsURL)
	}
	loadConfig(t, configFile, nil) // the file alone must be valid, not only after overrides
	cfg := loadConfig(t, configFile, env)

	// Ports and probes.
	ctrPorts := map[string]int32{}
	var ctrPortNumbers []string
	for _, p := range ctr.Ports {
		ctrPorts[p.Name] = p.ContainerPort
		ctrPortNumbers = append(ctrPortNumbers, itoa(int(p.ContainerPort)))
		if !slices.Contains(img.expose, itoa(int(p.ContainerPort))) {
			t.Errorf("container port %s/%d is not EXPOSEd by the image (%v)", p.Name, p.ContainerPort, img.expose)
		}
	}
	addrPorts := map[string]bool{}
	for k, v := range env {
		if !isAddrVar(k) {
			continue
		}
		host, port, err := net.SplitHostPort(v)
		if err != nil {
			t.Errorf("%s=%s: %v", k, v, err)
			continue
		}
		if host != "0.0.0.0" {
			t.Errorf("%s=%s: bind 0.0.0.0 in a pod", k, v)
		}
		addrPorts[port] = true
		if !slices.Contains(ctrPortNumbers, port) {
			t.Errorf("%s=%s but the container declares ports %v", k, v, ctrPortNumbers)
		}
	}
	for _, p := range ctrPortNumbers {
		if !addrPorts[p] {
			t.Errorf("container port %s has no KUBEMEDIC_*_ADDR listening on it", p)
		}
	}
	_, adminPort, _ := net.SplitHostPort(cfg.Admin.Addr)
	probe := func(what string, p *corev1.Probe, wantPath string) {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", what)
			return
		}
		if p.HTTPGet.Path != wantPath {
			t.Errorf("%s probe path %s, want %s", what, p.HTTPGet.Path, wantPath)
		}
		if port := resolvePort(p.HTTPGet.Port, ctrPorts); port != adminPort {
			t.Errorf("%s probe port %s resolves to %q, want the admin port %s", what, p.HTTPGet.Port.String(), port, adminPort)
		}
	}
	probe("readiness", ctr.ReadinessProbe, "/readyz")
	probe("liveness", ctr.LivenessProbe, "/healthz")

	// Identity and hardening.
	if _, ok := r.serviceAccounts[pod.ServiceAccountName]; !ok {
		t.Errorf("serviceAccountName %s is not rendered", pod.ServiceAccountName)
	}
	wantToken := slices.Contains(kubeComponents, c)
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken != wantToken {
		t.Errorf("automountServiceAccountToken %v, want %v", pod.AutomountServiceAccountToken, wantToken)
	}
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("pod does not set runAsNonRoot")
	}
	if sc := ctr.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container must set readOnlyRootFilesystem and forbid privilege escalation")
	}
	if m, ok := mounts[env["KUBEMEDIC_DATA_DIR"]]; !ok || volumes[m.Name].EmptyDir == nil {
		t.Errorf("data dir %q is not a writable emptyDir (the root filesystem is read-only)", env["KUBEMEDIC_DATA_DIR"])
	}

	// The fleet section reaches the analyzers (sweep workers) as written.
	if fl, _ := r.values["config"].(map[string]any)["fleet"].(map[string]any); c == "analyzer" && len(fl) > 0 {
		if want := fl["replicas"]; want != nil && fmt.Sprint(want) != itoa(cfg.Fleet.Replicas) {
			t.Errorf("config fleet.replicas = %d, values say %v", cfg.Fleet.Replicas, want)
		}
		if sweeps, _ := fl["sweeps"].([]any); len(cfg.Fleet.Sweeps) != len(sweeps) {
			t.Errorf("config has %d fleet.sweeps, values have %d", len(cfg.Fleet.Sweeps), len(sweeps))
		}
	}

	// What each component needs.
	switch c {
	case "collector", "analyzer", "remediation":
		for _, cl := range cfg.Clusters {
			checkKubeconfigMount(t, r, volumes, mounts, cl.Name, cl.Kubeconfig)
		}
	case "gateway":
		if len(cfg.Gateway.Tokens) == 0 {
			t.Errorf("config has no gateway.tokens: the gateway refuses to start without one")
		}
		for _, tok := range cfg.Gateway.Tokens {
			if tok.File == "" && !secretEnv[tok.Env] {
				t.Errorf("token %s reads $%s, which no secretKeyRef sets", tok.Name, tok.Env)
			}
		}
	case "bot":
		for _, k := range []string{"KUBEMEDIC_SLACK_SIGNING_SECRET", "KUBEMEDIC_SLACK_BOT_TOKEN", "KUBEMEDIC_GATEWAY_TOKEN"} {
			if !secretEnv[k] {
				t.Errorf("%s is not taken from a Secret", k)
			}
		}
		u, err := url.Parse(cfg.Bot.GatewayURL)
		if err != nil {
			t.Fatalf("bot gateway url: %v", err)
		}
		svc, ok := r.services[u.Hostname()]
		if !ok || svc.Spec.Selector["app.kubernetes.io/component"] != "gateway" {
			t.Errorf("bot gateway url %s does not name the gateway Service", cfg.Bot.GatewayURL)
		} else if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return itoa(int(p.Port)) == u.Port() }) {
			t.Errorf("bot gateway url %s: the gateway Service has no port %s", cfg.Bot.GatewayURL, u.Port())
		}
	}
}

// fileFromMount writes the ConfigMap key mounted at file to a temporary
// file and returns its path ("" when file is not mounted from a rendered
// ConfigMap).
func fileFromMount(t *testing.T, r *release, volumes map[string]corev1.Volume, mounts map[string]corev1.VolumeMount, file string) string {
	t.Helper()
	m, ok := mounts[file]
	if !ok {
		return ""
	}
	v := volumes[m.Name]
	if v.ConfigMap == nil {
		return ""
	}
	cm, ok := r.configMaps[v.ConfigMap.Name]
	if !ok {
		return ""
	}
	data, ok := cm.Data[m.SubPath]
	if !ok {
		t.Errorf("ConfigMap %s has no key %q mounted at %s", cm.Name, m.SubPath, file)
		return ""
	}
	out := filepath.Join(t.TempDir(), path.Base(file))
	if err := os.WriteFile(out, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkKubeconfigMount asserts a cluster's kubeconfig file is mounted: as
// the in-cluster kubeconfig from the ConfigMap, or as a Secret item.
func checkKubeconfigMount(t *testing.T, r *release, volumes map[string]corev1.Volume, mounts map[string]corev1.VolumeMount, cluster, file string) {
	t.Helper()
	if m, ok := mounts[file]; ok {
		if f := fileFromMount(t, r, volumes, mounts, file); f != "" {
			checkInClusterKubeconfig(t, f)
			return
		}
		t.Errorf("cluster %s: %s is mounted from %s, not the rendered ConfigMap", cluster, file, m.Name)
		return
	}
	m, ok := mounts[path.Dir(file)]
	if !ok {
		t.Errorf("cluster %s: kubeconfig %s is not mounted", cluster, file)
		return
	}
	v := volumes[m.Name]
	if v.Secret == nil || !slices.ContainsFunc(v.Secret.Items, func(k corev1.KeyToPath) bool { return k.Path == path.Base(file) }) {
		t.Errorf("cluster %s: %s is mounted but no Secret item lands at %s", cluster, path.Dir(file), file)
	}
	if !m.ReadOnly {
		t.Errorf("cluster %s: kubeconfig mounted writable", cluster)
	}
}

// checkInClusterKubeconfig loads the generated kubeconfig with client-go.
func checkInClusterKubeconfig(t *testing.T, file string) {
	t.Helper()
	kc, err := clientcmd.LoadFromFile(file)
	if err != nil {
		t.Errorf("in-cluster kubeconfig does not load: %v", err)
		return
	}
	ctx, ok := kc.Contexts[kc.CurrentContext]
	if !ok {
		t.Errorf("in-cluster kubeconfig: current-context %q is not defined", kc.CurrentContext)
		return
	}
	cl, okC := kc.Clusters[ctx.Cluster]
	user, okU := kc.AuthInfos[ctx.AuthInfo]
	if !okC || !okU {
		t.Errorf("in-cluster kubeconfig: context %q refers to a missing cluster or user", kc.CurrentContext)
		return
	}
	if cl.Server != "https://kubernetes.default.svc" || cl.CertificateAuthority != "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt" {
		t.Errorf("in-cluster kubeconfig cluster %+v: want the API server Service and the service account CA", cl)
	}
	if user.TokenFile != "/var/run/secrets/kubernetes.io/serviceaccount/token" {
		t.Errorf("in-cluster kubeconfig user tokenFile %q: want the projected service account token", user.TokenFile)
	}
}

func checkChartService(t *testing.T, r *release, name string, s *corev1.Service) {
	t.Helper()
	sel := labels.SelectorFromSet(s.Spec.Selector)
	var podPorts []corev1.ContainerPort
	matched := false
	for _, d := range r.deployments {
		if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			matched = true
			podPorts = append(podPorts, d.Spec.Template.Spec.Containers[0].Ports...)
		}
	}
	for _, st := range r.statefulSets {
		if sel.Matches(labels.Set(st.Spec.Template.Labels)) {
			matched = true
			podPorts = append(podPorts, st.Spec.Template.Spec.Containers[0].Ports...)
		}
	}
	if !matched {
		t.Errorf("Service %s selects no pods (%v)", name, s.Spec.Selector)
	}
	for _, p := range s.Spec.Ports {
		if !slices.ContainsFunc(podPorts, func(cp corev1.ContainerPort) bool {
			return (p.TargetPort.Type == intstr.String && cp.Name == p.TargetPort.StrVal) ||
				(p.TargetPort.Type == intstr.Int && cp.ContainerPort == p.TargetPort.IntVal)
		}) {
			t.Errorf("Service %s port %s targets %s, which no selected container declares", name, p.Name, p.TargetPort.String())
		}
	}
}

func checkChartRBAC(t *testing.T, r *release, fullname string) {
	t.Helper()
	reader, ok := r.clusterRoles[fullname+"-reader"]
	if !ok {
		t.Fatalf("no ClusterRole %s-reader", fullname)
	}
	checkReaderRules(t, "chart reader role", reader.Rules)
	remediation, ok := r.clusterRoles[fullname+"-remediation"]
	if !ok {
		t.Fatalf("no ClusterRole %s-remediation", fullname)
	}
	checkRemediationRules(t, "chart remediation role", remediation.Rules, false)

	sa := func(c string) string { return releaseNamespace + "/" + fullname + "-" + c }
	var wantReaders []string
	for _, c := range []string{"analyzer", "collector"} {
		if _, ok := r.deployments[c]; ok {
			wantReaders = append(wantReaders, sa(c))
		}
	}
	if got := boundServiceAccounts(r.bindings, fullname+"-reader"); !slices.Equal(got, wantReaders) {
		t.Errorf("reader role bound to %v, want %v", got, wantReaders)
	}
	if got, want := boundServiceAccounts(r.bindings, fullname+"-remediation"), []string{sa("remediation")}; !slices.Equal(got, want) {
		t.Errorf("remediation role bound to %v, want %v", got, want)
	}
	for _, b := range r.bindings {
		if _, ok := r.clusterRoles[b.RoleRef.Name]; !ok {
			t.Errorf("ClusterRoleBinding %s refers to ClusterRole %s, which the chart does not render", b.Name, b.RoleRef.Name)
		}
		for _, s := range b.Subjects {
			if _, ok := r.serviceAccounts[s.Name]; s.Kind == rbacv1.ServiceAccountKind && (!ok || s.Namespace != releaseNamespace) {
				t.Errorf("ClusterRoleBinding %s binds ServiceAccount %s/%s, which the chart does not render", b.Name, s.Namespace, s.Name)
			}
		}
	}
}

func checkChartNATS(t *testing.T, root string, r *release, fullname string) {
	t.Helper()
	if len(r.statefulSets) != 1 {
		t.Fatalf("nats.deploy=true renders %d StatefulSets, want 1", len(r.statefulSets))
	}
	st := r.statefulSets[0]
	want, err := os.ReadFile(filepath.Join(root, "deploy", "nats", "nats.conf"))
	if err != nil {
		t.Fatal(err)
	}
	cm, ok := r.configMaps[fullname+"-nats"]
	if !ok {
		t.Fatalf("no ConfigMap %s-nats", fullname)
	}
	if got := cm.Data["nats.conf"]; strings.TrimSpace(got) != strings.TrimSpace(string(want)) {
		t.Errorf("ConfigMap %s-nats nats.conf differs from deploy/nats/nats.conf", fullname)
	}
	ctr := st.Spec.Template.Spec.Containers[0]
	if !slices.Contains(ctr.Args, "-js") || flagValue(ctr.Args, "-c") != "/etc/nats/nats.conf" {
		t.Errorf("nats args %q: want -c /etc/nats/nats.conf -js", ctr.Args)
	}
	ports := map[string]int32{}
	for _, p := range ctr.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if rp := ctr.ReadinessProbe; rp == nil || rp.HTTPGet == nil || rp.HTTPGet.Path != "/healthz?js-enabled-only=true" || resolvePort(rp.HTTPGet.Port, ports) != "8222" {
		t.Errorf("nats readiness probe: want GET /healthz?js-enabled-only=true on 8222")
	}
	if len(st.Spec.VolumeClaimTemplates) != 1 || flagValue(ctr.Args, "-sd") != "/data" {
		t.Errorf("nats StatefulSet: want one volumeClaimTemplate and -sd /data")
	}
	conf := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(conf, []byte(cm.Data["nats.conf"]), 0o644); err != nil {
		t.Fatal(err)
	}
	if opts, err := natsCommandOptions(ctr.Args, conf); err != nil {
		t.Errorf("nats-server refuses the StatefulSet's args %q: %v", ctr.Args, err)
	} else if !opts.JetStream || opts.StoreDir != "/data" {
		t.Errorf("nats StatefulSet args %q: JetStream=%v store %q, want JetStream in /data", ctr.Args, opts.JetStream, opts.StoreDir)
	}
	svc, ok := r.services[fullname+"-nats"]
	if !ok || st.Spec.ServiceName != svc.Name {
		t.Fatalf("nats StatefulSet serviceName %q: want the rendered Service %s-nats", st.Spec.ServiceName, fullname)
	}
	if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == 4222 }) {
		t.Errorf("Service %s has no client port 4222", svc.Name)
	}
}

// checkNetworkPolicy asserts a policy selects pods and lets in the ports
// those pods serve.
func checkNetworkPolicy(t *testing.T, r *release, np *networkingv1.NetworkPolicy) {
	t.Helper()
	sel := labels.SelectorFromSet(np.Spec.PodSelector.MatchLabels)
	var pods []corev1.PodTemplateSpec
	for _, d := range r.deployments {
		pods = append(pods, d.Spec.Template)
	}
	for _, s := range r.statefulSets {
		pods = append(pods, s.Spec.Template)
	}
	var open []int32
	for _, in := range np.Spec.Ingress {
		for _, p := range in.Ports {
			open = append(open, p.Port.IntVal)
		}
	}
	matched := false
	for _, p := range pods {
		if !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		matched = true
		for _, cp := range p.Spec.Containers[0].Ports {
			if !slices.Contains(open, cp.ContainerPort) {
				t.Errorf("NetworkPolicy %s blocks port %s/%d of the pods it selects", np.Name, cp.Name, cp.ContainerPort)
			}
		}
	}
	if !matched {
		t.Errorf("NetworkPolicy %s selects no pod", np.Name)
	}
}

// TestHelmRBACMatchesPlain renders the chart with the impersonation lists of
// deploy/rbac/remediation.yaml and asserts both install paths grant exactly
// the same rules.
func TestHelmRBACMatchesPlain(t *testing.T) {
	root := repoRoot(t)
	plain := readPlainRBAC(t, root)
	var users, groups []any
	for _, rule := range plain.clusterRoles["kubemedic-remediation"].Rules {
		for _, n := range rule.ResourceNames {
			switch {
			case slices.Contains(rule.Resources, "users"):
				users = append(users, n)
			case slices.Contains(rule.Resources, "groups"):
				groups = append(groups, n)
			}
		}
	}
	r, err := renderChart(t, root, map[string]any{
		"nats":        map[string]any{"url": externalNATS},
		"remediation": map[string]any{"impersonation": map[string]any{"users": users, "groups": groups}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"reader", "remediation"} {
		got := normalizeRules(r.clusterRoles[releaseName+"-"+name].Rules)
		want := normalizeRules(plain.clusterRoles["kubemedic-"+name].Rules)
		if !slices.Equal(got, want) {
			t.Errorf("chart ClusterRole %s-%s differs from deploy/rbac kubemedic-%s:\nchart: %s\nplain: %s",
				releaseName, name, name, strings.Join(got, "\n       "), strings.Join(want, "\n       "))
		}
	}
}

// TestChartFiles parses Chart.yaml and values.yaml on their own.
func TestChartFiles(t *testing.T) {
	root := repoRoot(t)
	var chart struct {
		APIVersion string `json:"apiVersion"`
		Name       string `json:"name"`
		Version    string `json:"version"`
		AppVersion string `json:"appVersion"`
	}
	readYAML(t, filepath.Join(chartDir(root), "Chart.yaml"), &chart)
	if chart.APIVersion != "v2" || chart.Name != "kubemedic" || chart.Version == "" || chart.AppVersion == "" {
		t.Errorf("Chart.yaml %+v: want apiVersion v2, name kubemedic, a version and an appVersion", chart)
	}
	var values map[string]any
	readYAML(t, filepath.Join(chartDir(root), "values.yaml"), &values)
	for _, c := range chartComponents {
		v, ok := values[c].(map[string]any)
		if !ok {
			t.Errorf("values.yaml has no %s section", c)
			continue
		}
		if _, ok := v["replicas"].(float64); !ok {
			t.Errorf("values.yaml %s.replicas is not a number", c)
		}
	}
	// Secrets are referenced by Secret name and key, never given as values.
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range v {
					if !yield(k) {
						return
					}
				}
			})
			for _, k := range keys {
				walk(prefix+"."+k, v[k])
			}
		case []any:
			for i, e := range v {
				walk(prefix+"["+itoa(i)+"]", e)
			}
		case string:
			last := prefix[strings.LastIndex(prefix, ".")+1:]
			if secretName.MatchString(last) && !strings.HasSuffix(strings.ToLower(last), "key") && v != "" && !strings.Contains(strings.ToLower(prefix), "secretname") {
				t.Errorf("values.yaml %s = %q looks like a secret value; reference a Secret instead", prefix, v)
			}
		}
	}
	walk("", values)
}

func readYAML(t *testing.T, file string, into any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s is not valid YAML: %v", file, err)
	}
}

// resolvePort turns a probe port (number or container port name) into a
// port number string.
func resolvePort(p intstr.IntOrString, named map[string]int32) string {
	if p.Type == intstr.Int {
		return itoa(int(p.IntVal))
	}
	if n, ok := named[p.StrVal]; ok {
		return itoa(int(n))
	}
	return ""
}

func metaSelector(d *appsv1.Deployment) (labels.Selector, error) {
	return metav1.LabelSelectorAsSelector(d.Spec.Selector)
}

// toFloat reads a number from chart values: float64 when it came from YAML,
// int when a test set it.
func toFloat(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case int64:
		return float64(v)
	}
	return -1
}
