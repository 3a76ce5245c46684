{{/*
Names and labels.
*/}}
{{- define "agent-server.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "agent-server.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "agent-server.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "agent-server.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agent-server.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "agent-server.labels" -}}
helm.sh/chart: {{ include "agent-server.chart" . }}
{{ include "agent-server.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "agent-server.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "agent-server.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "agent-server.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
One environment value as a string. Helm reads numbers from values as float64, which print as
1.048576e+06: whole numbers are printed as integers.
*/}}
{{- define "agent-server.envValue" -}}
{{- if kindIs "float64" . }}
{{- int64 . }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{/* The listening port: config.PORT (default 8000). */}}
{{- define "agent-server.port" -}}
{{- include "agent-server.envValue" (default 8000 .Values.config.PORT) }}
{{- end }}

{{/*
ConfigMap data: every non-empty entry of .Values.config (empty means "the app's default").
*/}}
{{- define "agent-server.configData" -}}
{{- range $key, $value := .Values.config }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
{{ $key }}: {{ include "agent-server.envValue" $value | quote }}
{{- end }}
{{- end }}
{{- /* Behind the chart's TLS ingress, clients use HTTPS: HSTS on unless config says otherwise. */}}
{{- $hsts := .Values.config.HTTP_HSTS }}
{{- if and .Values.ingress.enabled .Values.ingress.tls (or (kindIs "invalid" $hsts) (eq (toString $hsts) "")) }}
HTTP_HSTS: "true"
{{- end }}
{{- end }}

{{/*
Secret data the chart owns: non-empty secrets.values (unless secrets.existingSecret is set), and
DATABASE_URL from database.url (unless database.existingSecret is set).
*/}}
{{- define "agent-server.secretData" -}}
{{- if not .Values.secrets.existingSecret }}
{{- range $key, $value := .Values.secrets.values }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
{{ $key }}: {{ toString $value | b64enc | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.database.url (not .Values.database.existingSecret) }}
DATABASE_URL: {{ .Values.database.url | b64enc | quote }}
{{- end }}
{{- end }}

{{/* The same entries as an env list, for the migration Job (which runs before the ConfigMap exists). */}}
{{- define "agent-server.configEnv" -}}
{{- range $key, $value := .Values.config }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
- name: {{ $key }}
  value: {{ include "agent-server.envValue" $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{- define "agent-server.hasChartSecret" -}}
{{- if trim (include "agent-server.secretData" .) }}true{{ end }}
{{- end }}

{{/*
Secrets as envFrom, shared by the Deployment and the migration Job. Pass a dict with "root" (the
chart context) and "secretName" (the chart-owned Secret to read: the Job reads a hook copy, because
pre-install hooks run before the release's own Secret exists).
*/}}
{{- define "agent-server.envFrom" -}}
{{- $root := .root }}
{{- with $root.Values.secrets.existingSecret }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- if include "agent-server.hasChartSecret" $root }}
- secretRef:
    name: {{ .secretName }}
{{- end }}
{{- with $root.Values.extraEnvFrom }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "agent-server.databaseUrlEnv" -}}
{{- with .Values.database.existingSecret }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.database.existingSecretKey }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds. After SIGTERM the pod first sleeps in preStop (so that endpoints and
ingresses stop sending it traffic), then the app drains for up to SHUTDOWN_GRACE_MS, then closes its
connections. The kubelet's countdown covers all of it, so the period must be greater than
preStop + SHUTDOWN_GRACE_MS. Derived as preStop + ceil(SHUTDOWN_GRACE_MS / 1000) + extraSeconds when
not set; a value set by hand that is too small fails the render.
*/}}
{{- define "agent-server.shutdownGraceSeconds" -}}
{{- $ms := int64 (include "agent-server.envValue" (default 25000 .Values.config.SHUTDOWN_GRACE_MS)) }}
{{- div (add $ms 999) 1000 }}
{{- end }}

{{- define "agent-server.terminationGracePeriodSeconds" -}}
{{- $preStop := int64 .Values.shutdown.preStopSleepSeconds }}
{{- $grace := int64 (include "agent-server.shutdownGraceSeconds" .) }}
{{- $minimum := add $preStop $grace }}
{{- $set := .Values.shutdown.terminationGracePeriodSeconds }}
{{- if kindIs "invalid" $set }}
{{- add $minimum (int64 .Values.shutdown.extraSeconds) }}
{{- else if le (int64 $set) $minimum }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds=%d must be greater than shutdown.preStopSleepSeconds (%d) + SHUTDOWN_GRACE_MS (%d s) = %d, or the pod is killed while runs are still finishing" (int64 $set) $preStop $grace $minimum) }}
{{- else }}
{{- int64 $set }}
{{- end }}
{{- end }}

{{/*
Checks that fail the render with a message instead of producing pods that crash.
*/}}
{{- define "agent-server.validate" -}}
{{- $v := .Values }}
{{- if not (or $v.database.url $v.database.existingSecret $v.secrets.existingSecret) }}
{{- fail "A database is required: set database.url, database.existingSecret, or secrets.existingSecret with a DATABASE_URL key (the image has no embedded PostgreSQL)." }}
{{- end }}
{{- if and $v.database.url $v.database.existingSecret }}
{{- fail "Set database.url or database.existingSecret, not both." }}
{{- end }}
{{- $jwt := "" }}
{{- if not $v.secrets.existingSecret }}
{{- $jwt = toString (default "" $v.secrets.values.AUTH_JWT_SECRET) }}
{{- end }}
{{- $jwks := toString (default "" $v.config.AUTH_JWKS_URL) }}
{{- if and $jwt $jwks }}
{{- fail "Set secrets.values.AUTH_JWT_SECRET or config.AUTH_JWKS_URL, not both." }}
{{- end }}
{{- if and $jwt (lt (len $jwt) 32) }}
{{- fail "secrets.values.AUTH_JWT_SECRET must be at least 32 characters long." }}
{{- end }}
{{- if and (eq (toString (default "production" $v.config.NODE_ENV)) "production") (not $v.secrets.existingSecret) (not $jwt) (not $jwks) }}
{{- fail "NODE_ENV=production requires auth: set secrets.values.AUTH_JWT_SECRET, config.AUTH_JWKS_URL, or secrets.existingSecret holding AUTH_JWT_SECRET." }}
{{- end }}
{{- if and $v.podDisruptionBudget.enabled (not (kindIs "invalid" $v.podDisruptionBudget.minAvailable)) (not (kindIs "invalid" $v.podDisruptionBudget.maxUnavailable)) }}
{{- fail "podDisruptionBudget: set minAvailable or maxUnavailable, not both." }}
{{- end }}
{{- if and $v.autoscaling.enabled (not (or $v.autoscaling.targetCPUUtilizationPercentage $v.autoscaling.targetMemoryUtilizationPercentage)) }}
{{- fail "autoscaling.enabled needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage." }}
{{- end }}
{{- $_ := include "agent-server.terminationGracePeriodSeconds" . }}
{{- end }}

{{/*
The prefix of every metric name, as the app derives it from METRICS_PREFIX: agent_server_ when
unset, nothing for "none", a trailing underscore added when missing. Alerts and the dashboard use it.
*/}}
{{- define "agent-server.metricsPrefix" -}}
{{- $v := trim (toString (default "" .Values.config.METRICS_PREFIX)) -}}
{{- if eq $v "" -}}agent_server_
{{- else if eq $v "none" -}}
{{- else if hasSuffix "_" $v -}}{{ $v }}
{{- else -}}{{ $v }}_
{{- end -}}
{{- end }}
