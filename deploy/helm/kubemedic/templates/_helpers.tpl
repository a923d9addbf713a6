{{/*
The release's base name: the release name when it already contains the chart
name, else <release>-<chart>. Truncated to fit a DNS label with room for a
component suffix.
*/}}
{{- define "kubemedic.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kubemedic.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "kubemedic.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "kubemedic.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kubemedic
{{- end -}}

{{/* Selector labels of one component; call with (dict "root" $ "component" "gateway"). */}}
{{- define "kubemedic.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubemedic.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The ServiceAccount a component runs as; same call as selectorLabels. */}}
{{- define "kubemedic.serviceAccountName" -}}
{{- printf "%s-%s" (include "kubemedic.fullname" .root) .component -}}
{{- end -}}

{{/* The NATS URL every service connects to. */}}
{{- define "kubemedic.natsURL" -}}
{{- if .Values.nats.deploy -}}
{{- printf "nats://%s-nats:4222" (include "kubemedic.fullname" .) -}}
{{- else -}}
{{- required "nats.url is required (an external NATS server with JetStream), or set nats.deploy=true" .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{/* Image of a component; same call as selectorLabels. */}}
{{- define "kubemedic.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.repository .component (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/*
Read-only rules for collector and analyzer. deploy/rbac/reader.yaml holds the
same rules for installs without Helm; the deploycheck test keeps them equal.
*/}}
{{- define "kubemedic.readerRules" -}}
- apiGroups: [""]
  resources:
    - pods
    - nodes
    - events
    - services
    - endpoints
    - persistentvolumeclaims
    - persistentvolumes
    - namespaces
    - replicationcontrollers
    {{- if .Values.rbac.readConfigMaps }}
    - configmaps
    {{- end }}
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments, replicasets, statefulsets, daemonsets]
  verbs: [get, list, watch]
- apiGroups: [batch]
  resources: [jobs, cronjobs]
  verbs: [get, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, ingressclasses]
  verbs: [get, list, watch]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch]
- apiGroups: [storage.k8s.io]
  resources: [storageclasses]
  verbs: [get, list, watch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [get, list, watch]
{{- end -}}

{{/*
Remediation's own rights: impersonate the listed people and read the objects
it plans against. Every write is made as the impersonated person, so cluster
RBAC has the final word and the audit log names them. deploy/rbac/remediation.yaml
holds the same rules.
*/}}
{{- define "kubemedic.remediationRules" -}}
{{- with .Values.remediation.impersonation }}
{{- if .users }}
- apiGroups: [""]
  resources: [users]
  verbs: [impersonate]
  resourceNames:
    {{- toYaml .users | nindent 4 }}
{{- end }}
{{- if .groups }}
- apiGroups: [""]
  resources: [groups]
  verbs: [impersonate]
  resourceNames:
    {{- toYaml .groups | nindent 4 }}
{{- end }}
{{- end }}
- apiGroups: [""]
  resources: [nodes, pods, configmaps]
  verbs: [get]
- apiGroups: [apps]
  resources:
    - deployments
    - deployments/scale
    - statefulsets
    - statefulsets/scale
    - replicasets
    - daemonsets
  verbs: [get]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get]
{{- end -}}
