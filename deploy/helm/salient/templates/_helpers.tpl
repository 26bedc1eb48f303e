{{/* Names, labels and the settings every Salient container shares. */}}

{{- define "salient.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "salient.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "salient.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "salient.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "salient.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "salient.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: include "salient.selector" (list $ "crm") */}}
{{- define "salient.selector" -}}
app.kubernetes.io/name: {{ include "salient.name" (index . 0) }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "salient.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "salient.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "salient.fullname" .)) -}}
{{- end -}}

{{- define "salient.redisUrl" -}}
{{- if .Values.redis.bundled -}}
redis://{{ include "salient.fullname" . }}-redis:6379/0
{{- else -}}
{{ required "redis.url is required when redis.bundled is false" .Values.redis.url }}
{{- end -}}
{{- end -}}

{{- define "salient.chromaUrl" -}}
{{- if .Values.chroma.bundled -}}
http://{{ include "salient.fullname" . }}-chroma:8000
{{- else -}}
{{ required "chroma.url is required when chroma.bundled is false" .Values.chroma.url }}
{{- end -}}
{{- end -}}

{{/* The pod-level security context: a fixed non-root user, the image's. */}}
{{- define "salient.podSecurity" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The container-level security context: nothing to write but the mounted volumes. */}}
{{- define "salient.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* The environment of a server container: include "salient.serverEnv" (list $ "crm") */}}
{{- define "salient.serverEnv" -}}
{{- $ := index . 0 -}}
{{- $name := index . 1 -}}
{{- $prefix := printf "SALIENT_%s_" (upper $name) -}}
- name: {{ $prefix }}DB
  valueFrom:
    secretKeyRef:
      name: {{ include "salient.secretName" $ }}
      key: {{ $name }}-database-url
- name: {{ $prefix }}REQUIRE_AUTH
  value: "true"
- name: {{ $prefix }}STATELESS_HTTP
  value: "true"
- name: {{ $prefix }}REDIS_URL
  value: {{ include "salient.redisUrl" $ | quote }}
- name: {{ $prefix }}SHUTDOWN_TIMEOUT
  value: {{ sub $.Values.terminationGracePeriodSeconds 10 | quote }}
- name: {{ $prefix }}LOG_FORMAT
  value: json
{{- if eq $name "library" }}
- name: SALIENT_LIBRARY_CHROMA
  value: {{ include "salient.chromaUrl" $ | quote }}
{{- end }}
{{- end -}}

{{/* Agent instructions as YAML (file name -> text): host.agents, else the chart's files/agents/*.md. */}}
{{- define "salient.agents" -}}
{{- if .Values.host.agents -}}
{{- toYaml .Values.host.agents -}}
{{- else -}}
{{- $agents := dict -}}
{{- range $path, $_ := .Files.Glob "files/agents/*.md" -}}
{{- $_ := set $agents (base $path) ($.Files.Get $path) -}}
{{- end -}}
{{- toYaml $agents -}}
{{- end -}}
{{- end -}}
