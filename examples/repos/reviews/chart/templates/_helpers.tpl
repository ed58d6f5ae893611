{{- define "reviews.labels" -}}
app.kubernetes.io/name: reviews
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
{{- end }}
