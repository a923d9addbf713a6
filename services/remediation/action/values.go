package action

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// configMapValue is a rule for the value of one well-known ConfigMap key.
type configMapValue struct {
	namespace, name, key string
	pattern              *regexp.Regexp
	ko, en               string // what the value is
}

// configMapValues are ConfigMap keys whose values a cloud controller reads
// and a wrong value silently breaks. NKS's controller reads the NCP ids in
// kube-system/ncloud-config as numbers: an empty or non-numeric subnet id
// leaves every LoadBalancer Service Pending.
var configMapValues = []configMapValue{
	nksID("lbSubnetNo", "LB 전용 Private 서브넷 번호", "the load-balancer private subnet number"),
	nksID("lbPublicSubnetNo", "LB 전용 Public 서브넷 번호", "the load-balancer public subnet number"),
	nksID("vpcNo", "VPC 번호", "the VPC number"),
	nksID("regionNo", "리전 번호", "the region number"),
	nksID("zoneNo", "존 번호", "the zone number"),
	nksID("acgNo", "ACG 번호", "the ACG number"),
}

var numeric = regexp.MustCompile(`^[0-9]+$`)

func nksID(key, ko, en string) configMapValue {
	return configMapValue{namespace: "kube-system", name: "ncloud-config", key: key, pattern: numeric, ko: ko, en: en}
}

// CheckValues refuses an action that is not ready to be planned as a new
// change: one that still names operator inputs (Action.inputs), or one that
// would write a value a well-known ConfigMap key cannot hold (an empty or
// non-numeric lbSubnetNo in kube-system/ncloud-config). Undo plans skip it:
// they restore what was there before.
func CheckValues(a *kubemedicv1.Action) error {
	if err := checkInputs(a); err != nil {
		return err
	}
	pc := a.GetPatchConfigMap()
	if pc == nil {
		return nil
	}
	values := map[string]string{}
	for k, v := range pc.GetSet() {
		values[k] = v
	}
	if pc.GetJsonPatch() != "" {
		var ops Patch
		if err := json.Unmarshal([]byte(pc.GetJsonPatch()), &ops); err != nil {
			return invalid("json_patch가 RFC 6902 JSON Patch 배열이 아닙니다: %v", "json_patch is not an RFC 6902 JSON Patch array: %v", err)
		}
		for _, o := range ops {
			if o.Op != "add" && o.Op != "replace" {
				continue
			}
			k, err := dataKey(o.Path)
			if err != nil {
				return invalid("%v", "%v", err)
			}
			var v string
			if err := json.Unmarshal(o.Value, &v); err == nil {
				values[k] = v
			}
		}
	}
	for _, r := range configMapValues {
		if r.namespace != pc.GetNamespace() || r.name != pc.GetName() {
			continue
		}
		v, ok := values[r.key]
		if ok && !r.pattern.MatchString(v) {
			return &InvalidError{
				Ko: fmt.Sprintf("%s/%s의 %s에는 %s(숫자)가 들어가야 하는데 %q입니다; 올바른 값을 넣어 다시 계획하세요", r.namespace, r.name, r.key, r.ko, v),
				En: fmt.Sprintf("%s in %s/%s must be %s (digits only), got %q; plan again with the right value", r.key, r.namespace, r.name, r.en, v),
			}
		}
	}
	return nil
}

// checkInputs refuses an action that still has operator inputs to fill.
func checkInputs(a *kubemedicv1.Action) error {
	if len(a.GetInputs()) == 0 {
		return nil
	}
	var fields, hintsKo, hintsEn []string
	for _, in := range a.GetInputs() {
		fields = append(fields, in.GetField())
		if h := in.GetHint(); h != nil {
			hintsKo = append(hintsKo, h.GetKo())
			hintsEn = append(hintsEn, h.GetEn())
		}
	}
	f := strings.Join(fields, ", ")
	return &InvalidError{
		Ko: fmt.Sprintf("운영자가 채워야 할 값이 남아 있습니다: %s. %s 값을 채우고 inputs를 비운 뒤 다시 계획하세요", f, strings.Join(hintsKo, " ")),
		En: fmt.Sprintf("the action still needs operator input: %s. %s Fill the value, clear inputs and plan again", f, strings.Join(hintsEn, " ")),
	}
}
