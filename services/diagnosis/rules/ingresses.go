package rules

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	networkingv1 "k8s.io/api/networking/v1"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// ingresses finds Ingresses that cannot work: the IngressClass they name
// does not exist (or none is named and there is no default), a backend
// Service or its port is missing, a TLS secret is missing.
var ingresses = Rule{
	Name:  "ingresses",
	Codes: []string{"IngressClassMissing", "IngressBackendMissing", "IngressTLSSecretMissing"},
	Reads: []string{cluster.KindIngress, cluster.KindIngressClass, cluster.KindService, cluster.KindSecret},
	About: []string{cluster.KindIngress},
	Check: checkIngresses,
}

const defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"

func checkIngresses(in *Input) []*kubemedicv1.Finding {
	hasDefault := false
	for _, c := range in.State.IngressClasses() {
		if c.Annotations[defaultClassAnnotation] == "true" {
			hasDefault = true
		}
	}
	// What was not collected (RBAC, a partial snapshot) is never "missing".
	classesKnown := in.State.Collected(cluster.KindIngressClass)
	servicesKnown := in.State.Collected(cluster.KindService)
	secretsKnown := in.State.Collected(cluster.KindSecret)
	var out []*kubemedicv1.Finding
	for _, ns := range in.scan() {
		for _, ing := range in.State.Ingresses(ns) {
			o := obj("networking.k8s.io/v1", "Ingress", ing)
			class := ""
			if ing.Spec.IngressClassName != nil {
				class = *ing.Spec.IngressClassName
			} else if ing.Annotations["kubernetes.io/ingress.class"] != "" {
				// Legacy annotation: the controller matches it itself.
			} else if !hasDefault && classesKnown {
				f := newFinding(in, o, "IngressClassMissing", "NoClass", warning)
				say(f,
					fmt.Sprintf("Ingress %s: IngressClass 미지정, 기본 클래스도 없음", ing.Name),
					fmt.Sprintf("Ingress %s: no IngressClass and no default class", ing.Name),
					fmt.Sprintf("spec.ingressClassName이 없고 기본 IngressClass(%s=true)도 없어 어떤 인그레스 컨트롤러도 이 Ingress를 처리하지 않습니다. 클래스 %d개 중 하나를 지정하세요.", defaultClassAnnotation, len(in.State.IngressClasses())),
					fmt.Sprintf("spec.ingressClassName is unset and no IngressClass is the default (%s=true), so no controller serves this Ingress. Name one of the %d classes.", defaultClassAnnotation, len(in.State.IngressClasses())))
				f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.ingressClassName", "Unset", "no class and no default IngressClass")}
				out = append(out, f)
			}
			if class != "" && classesKnown && in.State.IngressClass(class) == nil {
				f := newFinding(in, o, "IngressClassMissing", "ClassNotFound", errorSev)
				say(f,
					fmt.Sprintf("Ingress %s: IngressClass %s이(가) 없음", ing.Name, class),
					fmt.Sprintf("Ingress %s: IngressClass %s does not exist", ing.Name, class),
					fmt.Sprintf("spec.ingressClassName %s인 IngressClass가 클러스터에 없어(클래스 %d개) 이 Ingress를 처리할 컨트롤러가 없습니다. 클래스 이름을 고치거나 컨트롤러를 설치하세요.", class, len(in.State.IngressClasses())),
					fmt.Sprintf("No IngressClass named %s exists (the cluster has %d), so no controller serves this Ingress. Fix the class name or install the controller.", class, len(in.State.IngressClasses())))
				f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.ingressClassName", "ClassNotFound", class)}
				out = append(out, f)
			}
			if servicesKnown {
				out = append(out, ingressBackends(in, ing, o)...)
			}
			for _, tls := range ing.Spec.TLS {
				if !secretsKnown || tls.SecretName == "" || in.State.Secret(ing.Namespace, tls.SecretName) != nil {
					continue
				}
				f := newFinding(in, o, "IngressTLSSecretMissing", "", errorSev)
				say(f,
					fmt.Sprintf("Ingress %s: TLS 시크릿 %s이(가) 없음", ing.Name, tls.SecretName),
					fmt.Sprintf("Ingress %s: TLS secret %s does not exist", ing.Name, tls.SecretName),
					fmt.Sprintf("호스트 %v의 TLS 인증서 시크릿 %s/%s이(가) 없어 컨트롤러가 기본 인증서로 응답하거나 HTTPS를 거부합니다. 시크릿을 만들거나(cert-manager라면 Certificate 상태 확인) 이름을 고치세요.", tls.Hosts, ing.Namespace, tls.SecretName),
					fmt.Sprintf("TLS secret %s/%s for hosts %v does not exist, so the controller serves a default certificate or refuses HTTPS. Create it (with cert-manager, check the Certificate) or fix the name.", ing.Namespace, tls.SecretName, tls.Hosts))
				f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.tls.secretName", "SecretNotFound", tls.SecretName)}
				out = append(out, f)
			}
		}
	}
	return out
}

func ingressBackends(in *Input, ing *networkingv1.Ingress, o object) []*kubemedicv1.Finding {
	type ref struct {
		path    string
		backend *networkingv1.IngressServiceBackend
	}
	var refs []ref
	if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil {
		refs = append(refs, ref{"defaultBackend", b.Service})
	}
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			if p.Backend.Service != nil {
				refs = append(refs, ref{r.Host + p.Path, p.Backend.Service})
			}
		}
	}
	var out []*kubemedicv1.Finding
	seen := map[string]bool{}
	for _, r := range refs {
		name := r.backend.Name
		svc := in.State.Service(ing.Namespace, name)
		if svc == nil {
			if seen[name] {
				continue
			}
			seen[name] = true
			f := newFinding(in, o, "IngressBackendMissing", "ServiceNotFound", errorSev)
			say(f,
				fmt.Sprintf("Ingress %s: 백엔드 Service %s이(가) 없음", ing.Name, name),
				fmt.Sprintf("Ingress %s: backend Service %s does not exist", ing.Name, name),
				fmt.Sprintf("경로 %s의 백엔드 Service %s/%s이(가) 없어 이 경로는 503을 돌려줍니다. Service를 만들거나 이름을 고치세요.", r.path, ing.Namespace, name),
				fmt.Sprintf("Path %s points at Service %s/%s, which does not exist, so it answers 503. Create the Service or fix the name.", r.path, ing.Namespace, name))
			f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.rules.http.paths.backend.service.name", "ServiceNotFound", name)}
			out = append(out, f)
			continue
		}
		if !servicePortExists(svc.Spec.Ports, r.backend.Port) {
			want := r.backend.Port.Name
			if want == "" {
				want = fmt.Sprint(r.backend.Port.Number)
			}
			f := newFinding(in, o, "IngressBackendMissing", "ServicePortNotFound", errorSev)
			say(f,
				fmt.Sprintf("Ingress %s: Service %s에 포트 %s이(가) 없음", ing.Name, name, want),
				fmt.Sprintf("Ingress %s: Service %s has no port %s", ing.Name, name, want),
				fmt.Sprintf("경로 %s이(가) Service %s의 포트 %s(으)로 보내지만 그 Service의 포트는 %s입니다.", r.path, name, want, servicePorts(svc.Spec.Ports)),
				fmt.Sprintf("Path %s sends to port %s of Service %s, but the Service has ports %s.", r.path, want, name, servicePorts(svc.Spec.Ports)))
			f.Evidence = []*kubemedicv1.Evidence{fieldEvidence("spec.rules.http.paths.backend.service.port", "ServicePortNotFound", want)}
			out = append(out, f)
		}
	}
	return out
}

func servicePortExists(ports []corev1.ServicePort, p networkingv1.ServiceBackendPort) bool {
	for _, sp := range ports {
		if p.Name != "" && sp.Name == p.Name || p.Name == "" && sp.Port == p.Number {
			return true
		}
	}
	return false
}

func servicePorts(ports []corev1.ServicePort) string {
	var out []string
	for _, sp := range ports {
		out = append(out, portName(sp)+"="+fmt.Sprint(sp.Port))
	}
	return strings.Join(out, ", ")
}
