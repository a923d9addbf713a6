package rules

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// services finds Services that route nowhere — the selector matches no pod,
// a targetPort names a port no selected container has, or no selected pod is
// ready — and LoadBalancer Services still waiting for an address (on NKS,
// with the ncloud-config subnet problem and its ConfigMap patch).
var services = Rule{
	Name:  "services",
	Codes: []string{"ServiceNoEndpoints", "ServiceSelectorMismatch", "ServiceTargetPortMismatch", "LoadBalancerPending"},
	Reads: []string{cluster.KindService, cluster.KindEndpointSlice, cluster.KindPod, cluster.KindEvent, cluster.KindConfigMap, cluster.KindNode},
	About: []string{cluster.KindService},
	Check: checkServices,
}

func checkServices(in *Input) []*kubemedicv1.Finding {
	var out []*kubemedicv1.Finding
	for _, ns := range in.scan() {
		for _, s := range in.State.Services(ns) {
			if s.Spec.Type == corev1.ServiceTypeLoadBalancer {
				if f := loadBalancerPending(in, s); f != nil {
					out = append(out, f)
				}
			}
			if len(s.Spec.Selector) == 0 || s.Spec.Type == corev1.ServiceTypeExternalName || !in.State.Collected(cluster.KindPod) {
				continue
			}
			out = append(out, routing(in, s)...)
		}
	}
	return out
}

func routing(in *Input, s *corev1.Service) []*kubemedicv1.Finding {
	o := obj("v1", "Service", s)
	sel := labels.SelectorFromSet(s.Spec.Selector)
	var matched []*corev1.Pod
	inNamespace := 0
	for _, p := range in.State.Pods(s.Namespace) {
		if terminated(p) || p.DeletionTimestamp != nil {
			continue
		}
		inNamespace++
		if sel.Matches(labels.Set(p.Labels)) {
			matched = append(matched, p)
		}
	}
	selText := selectorText(s.Spec.Selector)
	if len(matched) == 0 {
		f := newFinding(in, o, "ServiceSelectorMismatch", "", errorSev)
		say(f,
			fmt.Sprintf("Service %s: 셀렉터 %s에 맞는 파드가 없음", s.Name, selText),
			fmt.Sprintf("Service %s: no pod matches selector %s", s.Name, selText),
			fmt.Sprintf("셀렉터 %s이(가) 네임스페이스 %s의 파드 %d개 중 어느 것과도 맞지 않아 엔드포인트가 0개입니다. 셀렉터와 파드 템플릿의 레이블을 맞추세요.%s", selText, s.Namespace, inNamespace, nearMiss(in, s)),
			fmt.Sprintf("Selector %s matches none of the %d pods in namespace %s, so the Service has 0 endpoints. Make the selector and the pod template labels agree.%s", selText, inNamespace, s.Namespace, nearMissEn(in, s)))
		f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.selector", "NoMatchingPods", fmt.Sprintf("selector %s matched 0 of %d pods", selText, inNamespace))}
		return []*kubemedicv1.Finding{f}
	}
	var out []*kubemedicv1.Finding
	portProblem := false
	for _, sp := range s.Spec.Ports {
		tp := sp.TargetPort
		if tp.Type == intstr.String && tp.StrVal != "" {
			if !anyPodHasNamedPort(matched, tp.StrVal, sp.Protocol) {
				portProblem = true
				f := newFinding(in, o, "ServiceTargetPortMismatch", "NamedPortNotFound", errorSev)
				say(f,
					fmt.Sprintf("Service %s: targetPort %q을(를) 가진 컨테이너 포트가 없음", s.Name, tp.StrVal),
					fmt.Sprintf("Service %s: no container port is named %q", s.Name, tp.StrVal),
					fmt.Sprintf("포트 %s(%d)의 targetPort %q과(와) 이름이 같은 컨테이너 포트가 선택된 파드 %d개 어디에도 없어 이 포트로는 트래픽이 가지 않습니다. 컨테이너 포트 이름(%s)과(와) 맞추세요.", portName(sp), sp.Port, tp.StrVal, len(matched), declaredPorts(matched)),
					fmt.Sprintf("Port %s (%d) targets %q, but none of the %d selected pods has a container port with that name, so no traffic reaches them on it. Use one of the declared ports (%s).", portName(sp), sp.Port, tp.StrVal, len(matched), declaredPorts(matched)))
				f.Evidence = []*kubemedicv1.Evidence{fieldEvidence(fmt.Sprintf("spec.ports[%s].targetPort", portName(sp)), "NamedPortNotFound",
					fmt.Sprintf("targetPort %q; pod ports: %s", tp.StrVal, declaredPorts(matched)))}
				out = append(out, f)
			}
			continue
		}
		port := tp.IntVal
		if tp.Type == intstr.Int && port == 0 {
			port = sp.Port
		}
		if declared := declaredPorts(matched); declared != "" && !anyPodHasPort(matched, port, sp.Protocol) {
			portProblem = true
			f := newFinding(in, o, "ServiceTargetPortMismatch", "PortNotDeclared", warning)
			say(f,
				fmt.Sprintf("Service %s: targetPort %d이(가) 컨테이너 포트에 없음", s.Name, port),
				fmt.Sprintf("Service %s: targetPort %d is not a container port", s.Name, port),
				fmt.Sprintf("포트 %s(%d)은(는) 파드의 %d번 포트로 보내지만, 선택된 파드 %d개가 선언한 포트는 %s뿐입니다. 앱이 %d번에서 듣지 않으면 연결이 거부됩니다.", portName(sp), sp.Port, port, len(matched), declared, port),
				fmt.Sprintf("Port %s (%d) sends to pod port %d, but the %d selected pods only declare %s. If the app does not listen on %d, connections are refused.", portName(sp), sp.Port, port, len(matched), declared, port))
			f.Evidence = []*kubemedicv1.Evidence{fieldEvidence(fmt.Sprintf("spec.ports[%s].targetPort", portName(sp)), "PortNotDeclared",
				fmt.Sprintf("targetPort %d; pod ports: %s", port, declared))}
			out = append(out, f)
		}
	}
	if portProblem {
		return out
	}
	ready, notReady := 0, []string{}
	for _, p := range matched {
		if c := podCondition(p, corev1.PodReady); c != nil && c.Status == corev1.ConditionTrue {
			ready++
		} else {
			notReady = append(notReady, p.Name)
		}
	}
	slices := in.State.EndpointSlices(s.Namespace, s.Name)
	readyEndpoints := 0
	for _, es := range slices {
		for _, e := range es.Endpoints {
			if e.Conditions.Ready == nil || *e.Conditions.Ready {
				readyEndpoints++
			}
		}
	}
	if ready > 0 && (len(slices) == 0 || readyEndpoints > 0) {
		return out
	}
	if ready > 0 || s.Spec.PublishNotReadyAddresses {
		// Pods are ready but the endpoint controller has not caught up, or
		// the Service routes to unready pods on purpose.
		return out
	}
	sample := notReady
	if len(sample) > 3 {
		sample = sample[:3]
	}
	f := newFinding(in, o, "ServiceNoEndpoints", "PodsNotReady", errorSev)
	say(f,
		fmt.Sprintf("Service %s: Ready 엔드포인트 0개 (파드 %d개 모두 Ready 아님)", s.Name, len(matched)),
		fmt.Sprintf("Service %s: 0 ready endpoints (all %d pods not ready)", s.Name, len(matched)),
		fmt.Sprintf("셀렉터 %s에 맞는 파드 %d개가 모두 Ready가 아니라 트래픽을 받을 엔드포인트가 없습니다 (%s). 파드의 readiness probe와 상태를 확인하세요.", selText, len(matched), strings.Join(sample, ", ")),
		fmt.Sprintf("All %d pods matching %s are not ready, so no endpoint can take traffic (%s). Check the pods' readiness probes and state.", len(matched), selText, strings.Join(sample, ", ")))
	f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("endpointslices", "NoReadyEndpoints", fmt.Sprintf("%d slices, %d ready endpoints; %d matching pods, 0 ready", len(slices), readyEndpoints, len(matched)))}
	return append(out, f)
}

// nearMiss names pods that match every selector key but one, the usual
// typo, when there are any.
func nearMiss(in *Input, s *corev1.Service) string {
	if k, v, p := closest(in, s); p != "" {
		return fmt.Sprintf(" 가장 가까운 파드 %s은(는) %s=%s입니다(셀렉터: %s=%s).", p, k, orDash(v), k, s.Spec.Selector[k])
	}
	return ""
}

func nearMissEn(in *Input, s *corev1.Service) string {
	if k, v, p := closest(in, s); p != "" {
		return fmt.Sprintf(" The closest pod %s has %s=%s (selector wants %s=%s).", p, k, orDash(v), k, s.Spec.Selector[k])
	}
	return ""
}

func closest(in *Input, s *corev1.Service) (key, val, pod string) {
	if len(s.Spec.Selector) < 2 {
		for k := range s.Spec.Selector {
			for _, p := range in.State.Pods(s.Namespace) {
				if v, ok := p.Labels[k]; ok && !terminated(p) {
					return k, v, p.Name
				}
			}
		}
		return "", "", ""
	}
	for _, p := range in.State.Pods(s.Namespace) {
		miss := ""
		for k, v := range s.Spec.Selector {
			if p.Labels[k] != v {
				if miss != "" {
					miss = ""
					break
				}
				miss = k
			}
		}
		if miss != "" && !terminated(p) {
			return miss, p.Labels[miss], p.Name
		}
	}
	return "", "", ""
}

func portName(sp corev1.ServicePort) string {
	if sp.Name != "" {
		return sp.Name
	}
	return fmt.Sprint(sp.Port)
}

func anyPodHasNamedPort(pods []*corev1.Pod, name string, proto corev1.Protocol) bool {
	for _, p := range pods {
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == name && protocolOr(cp.Protocol) == protocolOr(proto) {
					return true
				}
			}
		}
	}
	return false
}

func anyPodHasPort(pods []*corev1.Pod, port int32, proto corev1.Protocol) bool {
	for _, p := range pods {
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.ContainerPort == port && protocolOr(cp.Protocol) == protocolOr(proto) {
					return true
				}
			}
		}
	}
	return false
}

// declaredPorts lists the distinct container ports of pods ("http=8080/TCP").
func declaredPorts(pods []*corev1.Pod) string {
	seen := map[string]bool{}
	var out []string
	for _, p := range pods {
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				s := fmt.Sprintf("%d/%s", cp.ContainerPort, protocolOr(cp.Protocol))
				if cp.Name != "" {
					s = cp.Name + "=" + s
				}
				if !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			}
		}
	}
	return strings.Join(out, ", ")
}

var subnetNo = regexp.MustCompile(`^[0-9]+$`)

// nksSubnetAnnotation puts one NKS LoadBalancer Service in a subnet other
// than ncloud-config's lbSubnetNo.
const nksSubnetAnnotation = "service.beta.kubernetes.io/ncloud-load-balancer-subnet-id"

// lbSubnetPatch builds the ncloud-config patch for an empty or invalid
// lbSubnetNo. The value comes from the cluster when it shows one: the
// subnet annotation of LoadBalancer Services that got an address (a subnet
// NKS created a load balancer in). When no such Service exists, or they
// disagree, the value is left to the operator: the action names
// patch_config_map.set.lbSubnetNo as an input and cannot be planned until
// it is filled (an empty patch is never approvable).
func lbSubnetPatch(in *Input) (a *kubemedicv1.Action, ko, en string) {
	used := map[string][]string{} // subnet → Services with an address in it
	for _, s := range in.State.Services("") {
		v := strings.TrimSpace(s.Annotations[nksSubnetAnnotation])
		if s.Spec.Type != corev1.ServiceTypeLoadBalancer || len(s.Status.LoadBalancer.Ingress) == 0 || !subnetNo.MatchString(v) {
			continue
		}
		used[v] = append(used[v], s.Namespace+"/"+s.Name)
	}
	if len(used) == 1 {
		for v, svcs := range used {
			slices.Sort(svcs)
			a = patchConfigMapAction(in, "kube-system", "ncloud-config", map[string]string{"lbSubnetNo": v})
			return a,
				fmt.Sprintf(" 제안된 조치는 주소를 받은 LoadBalancer Service %s이(가) 쓰는 서브넷 %s(으)로 lbSubnetNo를 채웁니다: LB 전용 Private 서브넷인지 확인하고 승인하세요.", strings.Join(svcs, ", "), v),
				fmt.Sprintf(" The suggested patch sets lbSubnetNo to subnet %s, which LoadBalancer Service %s got its address in: check it is the load-balancer private subnet before approving.", v, strings.Join(svcs, ", "))
		}
	}
	hintKo := "NCP 콘솔 VPC > Subnet Management에서 워커 노드 VPC의 LB 전용 Private 서브넷 번호(숫자)를 확인하세요."
	hintEn := "Find the number of the load-balancer private subnet of the worker nodes' VPC in the NCP console (VPC > Subnet Management)."
	if len(used) > 1 {
		cands := slices.Sorted(maps.Keys(used))
		hintKo = fmt.Sprintf("주소를 받은 LoadBalancer Service들이 서로 다른 서브넷(%s)을 씁니다: 기본으로 쓸 LB 전용 Private 서브넷 번호를 고르세요.", strings.Join(cands, ", "))
		hintEn = fmt.Sprintf("LoadBalancer Services with addresses use different subnets (%s): choose the load-balancer private subnet number to use by default.", strings.Join(cands, ", "))
	}
	a = patchConfigMapAction(in, "kube-system", "ncloud-config", map[string]string{"lbSubnetNo": ""})
	a.Inputs = []*kubemedicv1.ActionInput{{Field: "patch_config_map.set.lbSubnetNo", Pattern: subnetNo.String(), Hint: lt(hintKo, hintEn)}}
	return a,
		" 클러스터에서 서브넷 번호를 찾지 못해 제안된 조치의 lbSubnetNo는 운영자가 채워야 계획할 수 있습니다: " + hintKo,
		" The subnet number is not visible in the cluster, so the suggested patch needs the operator to fill lbSubnetNo before it can be planned: " + hintEn
}

// loadBalancerPending reports a LoadBalancer Service without an ingress
// address. On NKS the usual cause is kube-system/ncloud-config lacking a
// valid lbSubnetNo; the finding then carries the ConfigMap patch.
func loadBalancerPending(in *Input, s *corev1.Service) *kubemedicv1.Finding {
	if len(s.Status.LoadBalancer.Ingress) > 0 {
		return nil
	}
	age := in.Now.Sub(s.CreationTimestamp.Time).Round(time.Second)
	failed := eventEvidence(in.State.Events(cluster.KindService, s.Namespace, s.Name, s.UID), 3,
		warningEvents("SyncLoadBalancerFailed", "CreatingLoadBalancerFailed", "EnsuringLoadBalancerFailed"))
	sev := warning
	if len(failed) > 0 {
		sev = errorSev
	}
	reason, causeKo, causeEn := "", "", ""
	var actions []*kubemedicv1.Action
	// A Service that names its own subnet does not use ncloud-config's
	// lbSubnetNo, so that key cannot be its cause.
	_, ownSubnet := s.Annotations[nksSubnetAnnotation]
	if in.Provider == ProviderNKS && !ownSubnet && in.State.Collected(cluster.KindConfigMap) {
		cm := in.State.ConfigMap("kube-system", "ncloud-config")
		switch {
		case cm == nil:
			reason = "NCloudConfigMissing"
			causeKo = " NKS의 kube-system/ncloud-config ConfigMap이 없어 로드밸런서를 만들 서브넷을 알 수 없습니다."
			causeEn = " On NKS, the kube-system/ncloud-config ConfigMap is missing, so the controller does not know which subnet to create the load balancer in."
		case !subnetNo.MatchString(strings.TrimSpace(cm.Data["lbSubnetNo"])):
			reason = "LBSubnetInvalid"
			causeKo = fmt.Sprintf(" NKS의 kube-system/ncloud-config에 lbSubnetNo가 비었거나 숫자가 아닙니다(현재 %q). LB 전용 서브넷 번호로 고치세요.", cm.Data["lbSubnetNo"])
			causeEn = fmt.Sprintf(" On NKS, lbSubnetNo in kube-system/ncloud-config is empty or not a number (now %q). Set it to the load-balancer subnet number.", cm.Data["lbSubnetNo"])
			a, ko, en := lbSubnetPatch(in)
			actions = []*kubemedicv1.Action{a}
			causeKo += ko
			causeEn += en
		}
		if reason != "" {
			sev = errorSev
		}
	}
	if len(failed) > 0 && causeKo == "" {
		causeKo = " 클라우드 컨트롤러 오류: " + failed[0].Message
		causeEn = " Cloud controller error: " + failed[0].Message
	}
	if causeKo == "" {
		causeKo = " 클라우드 컨트롤러(또는 MetalLB 같은 LB 구현)가 주소를 할당하지 않았습니다. 클러스터에 LoadBalancer 구현이 있는지, 컨트롤러 로그를 확인하세요."
		causeEn = " No cloud controller (or LB implementation such as MetalLB) has assigned an address. Check that the cluster has one and read its logs."
	}
	f := newFinding(in, obj("v1", "Service", s), "LoadBalancerPending", reason, sev)
	say(f,
		fmt.Sprintf("Service %s: LoadBalancer 주소(External-IP)가 %s째 Pending", s.Name, age),
		fmt.Sprintf("Service %s: LoadBalancer address (External-IP) pending for %s", s.Name, age),
		"type LoadBalancer 서비스에 status.loadBalancer.ingress가 없습니다."+causeKo,
		"The LoadBalancer Service has no status.loadBalancer.ingress."+causeEn)
	f.Evidence = append([]*kubemedicv1.Evidence{fieldEvidence("status.loadBalancer.ingress", "NoIngress", fmt.Sprintf("no address after %s", age))}, failed...)
	f.SuggestedActions = actions
	return f
}
