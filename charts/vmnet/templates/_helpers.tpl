{{/* Chart name, overridable with nameOverride. */}}
{{- define "vmnet.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object's name: fullnameOverride, else the release name (with the chart name unless it already holds it). */}}
{{- define "vmnet.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "vmnet.controllerName" -}}
{{- printf "%s-controller" (include "vmnet.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vmnet.daemonName" -}}
{{- printf "%s-daemon" (include "vmnet.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vmnet.cniConfigName" -}}
{{- printf "%s-cni-config" (include "vmnet.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vmnet.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "vmnet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component; call with (dict "root" $ "component" "controller"). */}}
{{- define "vmnet.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vmnet.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "vmnet.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Where the image keeps the CNI plugin binary (see image in values.yaml). */}}
{{- define "vmnet.imageCniBinary" -}}
/usr/local/bin/vmnet
{{- end -}}

{{/*
Kube-OVN's daemon socket: vmnet-daemon listens on it by default (--also-listen), so this conflist and NADs
written for Kube-OVN reach it unchanged.
*/}}
{{- define "vmnet.kubeOvnSocket" -}}
/run/openvswitch/kube-ovn-daemon.sock
{{- end -}}

{{/* The node's CNI configuration: one plugin of type kube-ovn (the vmnet binary answers to that name). */}}
{{- define "vmnet.cniConflist" -}}
{{- $plugin := dict "type" "kube-ovn" "server_socket" (include "vmnet.kubeOvnSocket" .) -}}
{{- $conflist := dict "name" "kube-ovn" "cniVersion" .Values.cni.cniVersion "plugins" (list $plugin) -}}
{{- toPrettyJson $conflist -}}
{{- end -}}

{{/*
Installs the CNI plugin and configuration on the node. Paths come from the init container's environment.
Each file is written under a temporary name in its target directory and renamed into place: kubelet may exec
the plugin or read the configuration at any moment, and a rename within a directory is atomic.
*/}}
{{- define "vmnet.installCniScript" -}}
set -eu
install_atomically() {
  tmp="$(dirname "$2")/.$(basename "$2").vmnet-tmp"
  cp "$1" "$tmp"
  chmod "$3" "$tmp"
  mv -f "$tmp" "$2"
}
install_atomically "$VMNET_CNI_BINARY" "$CNI_BIN_DIR/vmnet" 0755
# The same binary answers as kube-ovn, the type Kube-OVN's configurations and NADs name.
ln -sfn vmnet "$CNI_BIN_DIR/.kube-ovn.vmnet-tmp"
mv -f "$CNI_BIN_DIR/.kube-ovn.vmnet-tmp" "$CNI_BIN_DIR/kube-ovn"
install_atomically "$CNI_CONF_SOURCE" "$CNI_CONF_DIR/$CNI_CONF_NAME" 0600
echo "installed $CNI_BIN_DIR/vmnet, $CNI_BIN_DIR/kube-ovn and $CNI_CONF_DIR/$CNI_CONF_NAME"
{{- end -}}
