package gateway

import (
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// Cluster scoping works on any message, from field names alone: a request
// names clusters in string fields called "cluster" and repeated string
// fields called "clusters", at any depth (an Action's or ObjectRef's
// cluster too); a response element belongs to the cluster its own
// "cluster" field, a kubemedic.v1.Cluster's name, or a singular sub-message
// (a Finding's object, a Plan's action) names. So a new RPC is scoped
// without code here, as long as it calls its cluster field "cluster".

var clusterMessage = (&kubemedicv1.Cluster{}).ProtoReflect().Descriptor().FullName()

// checkClusters refuses a request naming a cluster the caller may not
// use, and narrows an empty top-level "clusters" list (meaning every
// cluster) to the caller's clusters.
func checkClusters(c Caller, m protoreflect.Message) error {
	if c.Clusters == nil {
		return nil
	}
	var denied []string
	walkRequestClusters(m, func(cluster string) {
		if !c.AllowsCluster(cluster) {
			denied = append(denied, cluster)
		}
	})
	if len(denied) > 0 {
		return connect.NewError(connect.CodePermissionDenied, fmt.Errorf("토큰 %s은(는) 클러스터 %s에 접근할 수 없습니다 (허용: %s). / token %s may not use cluster %s (allowed: %s)",
			c.Name, strings.Join(denied, ", "), strings.Join(c.Clusters, ", "), c.Name, strings.Join(denied, ", "), strings.Join(c.Clusters, ", ")))
	}
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Name() == "clusters" && fd.IsList() && fd.Kind() == protoreflect.StringKind && m.Get(fd).List().Len() == 0 {
			list := m.Mutable(fd).List()
			for _, cl := range c.Clusters {
				list.Append(protoreflect.ValueOfString(cl))
			}
		}
	}
	return nil
}

// walkRequestClusters calls f with every cluster name m carries.
func walkRequestClusters(m protoreflect.Message, f func(string)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Kind() == protoreflect.StringKind && fd.Name() == "cluster" && !fd.IsList() && !fd.IsMap():
			f(v.String())
		case fd.Kind() == protoreflect.StringKind && fd.Name() == "clusters" && fd.IsList():
			l := v.List()
			for i := range l.Len() {
				f(l.Get(i).String())
			}
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					walkRequestClusters(mv.Message(), f)
					return true
				})
			}
		case fd.Message() == nil || fd.Message().FullName() == identityName:
			// Identity.clusters is what the gateway sets, not a target.
		case fd.IsList():
			l := v.List()
			for i := range l.Len() {
				walkRequestClusters(l.Get(i).Message(), f)
			}
		default:
			walkRequestClusters(v.Message(), f)
		}
		return true
	})
}

// clusterOf returns the cluster a message is about, or "".
func clusterOf(m protoreflect.Message) string {
	d := m.Descriptor()
	if d.FullName() == clusterMessage {
		return m.Get(d.Fields().ByName("name")).String()
	}
	if fd := d.Fields().ByName("cluster"); fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() {
		if s := m.Get(fd).String(); s != "" {
			return s
		}
	}
	var out string
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil || fd.IsList() || fd.IsMap() || fd.Message().FullName() == identityName {
			return true
		}
		out = clusterOf(v.Message())
		return out == ""
	})
	return out
}

// filterClusters removes from m every list element and map value that
// belongs to a cluster the caller may not see, at any depth.
func filterClusters(c Caller, m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() == nil {
				return true
			}
			mp := v.Map()
			var drop []protoreflect.MapKey
			mp.Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				if cl := clusterOf(mv.Message()); cl != "" && !c.AllowsCluster(cl) {
					drop = append(drop, k)
				} else {
					filterClusters(c, mv.Message())
				}
				return true
			})
			for _, k := range drop {
				mp.Clear(k)
			}
		case fd.Message() == nil:
		case fd.IsList():
			l := v.List()
			kept := 0
			for i := range l.Len() {
				e := l.Get(i)
				if cl := clusterOf(e.Message()); cl != "" && !c.AllowsCluster(cl) {
					continue
				}
				filterClusters(c, e.Message())
				l.Set(kept, e)
				kept++
			}
			l.Truncate(kept)
		default:
			filterClusters(c, v.Message())
		}
		return true
	})
}

// visible filters a response for the caller and reports whether what is
// left may be shown at all: false when the message itself is about a
// cluster the caller may not see.
func visible(c Caller, m protoreflect.Message) bool {
	if c.Clusters == nil {
		return true
	}
	if cl := clusterOf(m); cl != "" && !c.AllowsCluster(cl) {
		return false
	}
	filterClusters(c, m)
	return true
}
