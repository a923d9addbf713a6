package remediation

import (
	"slices"
	"strings"

	"connectrpc.com/connect"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// mayUseCluster refuses id when its clusters (set by the gateway from the
// caller's API token) do not include cluster. An empty list, or one
// holding "*", allows every cluster. Calls naming only a plan or execution
// id reach the service before anyone knows the cluster, so the service,
// which resolves the id, is where the token's clusters are enforced.
func mayUseCluster(id *kubemedicv1.Identity, cluster string) error {
	allowed := id.GetClusters()
	if len(allowed) == 0 || slices.Contains(allowed, "*") || slices.Contains(allowed, cluster) {
		return nil
	}
	who := id.GetTokenName()
	if who == "" {
		who = id.GetKubernetesUser()
	}
	list := strings.Join(allowed, ", ")
	return errorf(connect.CodePermissionDenied,
		"%s은(는) 클러스터 %s에 접근할 수 없습니다 (허용: %s)",
		"%s may not use cluster %s (allowed: %s)", who, cluster, list)
}
