package validation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// defaultTerminationGracePeriod is what the API defaults a pod's grace period
// to; lifecycle sleeps are bounded by it when the spec leaves it unset.
const defaultTerminationGracePeriod int64 = 30

var supportedPortProtocols = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}

// validateProtocol accepts an empty protocol, which the API defaults to TCP.
func validateProtocol(p corev1.Protocol, fldPath *field.Path) field.ErrorList {
	switch p {
	case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, p, supportedPortProtocols)}
}

// containerContext carries what container checks need from the pod around
// them.
type containerContext struct {
	volumes     map[string]corev1.VolumeSource
	podClaims   sets.Set[string]
	gracePeriod int64
	isPod       bool // pods get a few checks templates are spared
}

// validateContainerCommon holds the checks shared by regular, init and
// ephemeral containers.
func validateContainerCommon(c *corev1.Container, cc *containerContext, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if c.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	} else {
		allErrs = append(allErrs, validateDNS1123Label(c.Name, fldPath.Child("name"))...)
	}
	// Pod templates may leave the image blank for an admission plugin or a
	// controller to fill in; a pod that is about to run may not.
	if c.Image == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("image"), ""))
	} else if cc.isPod && len(strings.TrimSpace(c.Image)) != len(c.Image) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("image"), c.Image, "must not have leading or trailing whitespace"))
	}
	switch c.TerminationMessagePolicy {
	case "", corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError:
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("terminationMessagePolicy"), c.TerminationMessagePolicy,
			[]corev1.TerminationMessagePolicy{corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError}))
	}
	allErrs = append(allErrs, validateContainerPorts(c.Ports, fldPath.Child("ports"))...)
	allErrs = append(allErrs, validateEnv(c.Env, fldPath.Child("env"))...)
	allErrs = append(allErrs, validateEnvFrom(c.EnvFrom, fldPath.Child("envFrom"))...)
	allErrs = append(allErrs, validateVolumeMounts(c.VolumeMounts, c.VolumeDevices, cc.volumes, fldPath.Child("volumeMounts"))...)
	allErrs = append(allErrs, validateVolumeDevices(c.VolumeDevices, c.VolumeMounts, cc.volumes, fldPath.Child("volumeDevices"))...)
	allErrs = append(allErrs, validatePullPolicy(c.ImagePullPolicy, fldPath.Child("imagePullPolicy"))...)
	allErrs = append(allErrs, validateResourceRequirements(&c.Resources, cc.podClaims, fldPath.Child("resources"))...)
	allErrs = append(allErrs, validateResizePolicy(c.ResizePolicy, fldPath.Child("resizePolicy"))...)
	allErrs = append(allErrs, validateSecurityContext(c.SecurityContext, fldPath.Child("securityContext"))...)
	allErrs = append(allErrs, validateContainerRestartRules(c.RestartPolicyRules, fldPath.Child("restartPolicyRules"))...)
	return allErrs
}

// validateContainers checks the regular containers: at least one, unique
// names, and the probes and lifecycle hooks only long-running containers have.
func validateContainers(containers []corev1.Container, cc *containerContext, fldPath *field.Path) field.ErrorList {
	if len(containers) == 0 {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	var allErrs field.ErrorList
	names := sets.New[string]()
	for i := range containers {
		c := &containers[i]
		p := fldPath.Index(i)
		allErrs = append(allErrs, validateContainerCommon(c, cc, p)...)
		if c.Name != "" && names.Has(c.Name) {
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), c.Name))
		}
		names.Insert(c.Name)
		allErrs = append(allErrs, validateProbesAndLifecycle(c, cc.gracePeriod, p)...)
		allErrs = append(allErrs, validateContainerRestartPolicy(c.RestartPolicy, p.Child("restartPolicy"))...)
	}
	allErrs = append(allErrs, validateHostPortConflicts(containers, fldPath)...)
	return allErrs
}

// validateInitContainers checks init containers. Their names share one
// namespace with the regular containers. Only restartable ("sidecar") init
// containers keep running, so only they may have probes and hooks.
func validateInitContainers(inits, regular []corev1.Container, cc *containerContext, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	names := sets.New[string]()
	for _, c := range regular {
		names.Insert(c.Name)
	}
	for i := range inits {
		c := &inits[i]
		p := fldPath.Index(i)
		allErrs = append(allErrs, validateContainerCommon(c, cc, p)...)
		if c.Name != "" && names.Has(c.Name) {
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), c.Name))
		}
		names.Insert(c.Name)
		allErrs = append(allErrs, validateContainerRestartPolicy(c.RestartPolicy, p.Child("restartPolicy"))...)
		// Init containers run one at a time, so their host ports only need
		// to be unique within each one.
		allErrs = append(allErrs, validateHostPortConflicts(inits[i:i+1], fldPath)...)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			allErrs = append(allErrs, validateProbesAndLifecycle(c, cc.gracePeriod, p)...)
			continue
		}
		const msg = "may not be set for init containers without restartPolicy=Always"
		if c.Lifecycle != nil {
			allErrs = append(allErrs, field.Forbidden(p.Child("lifecycle"), msg))
		}
		if c.LivenessProbe != nil {
			allErrs = append(allErrs, field.Forbidden(p.Child("livenessProbe"), msg))
		}
		if c.ReadinessProbe != nil {
			allErrs = append(allErrs, field.Forbidden(p.Child("readinessProbe"), msg))
		}
		if c.StartupProbe != nil {
			allErrs = append(allErrs, field.Forbidden(p.Child("startupProbe"), msg))
		}
	}
	return allErrs
}

// validateEphemeralContainers checks debug containers added through the
// ephemeralcontainers subresource. They may not declare anything the pod
// would depend on (ports, probes, resources, lifecycle).
func validateEphemeralContainers(ecs []corev1.EphemeralContainer, containers, inits []corev1.Container, cc *containerContext, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	others := sets.New[string]()
	for _, c := range containers {
		others.Insert(c.Name)
	}
	for _, c := range inits {
		others.Insert(c.Name)
	}
	names := others.Clone()
	for i := range ecs {
		ec := &ecs[i]
		p := fldPath.Index(i)
		c := corev1.Container(ec.EphemeralContainerCommon)
		allErrs = append(allErrs, validateContainerCommon(&c, cc, p)...)
		if names.Has(ec.Name) {
			allErrs = append(allErrs, field.Duplicate(p.Child("name"), ec.Name))
		}
		names.Insert(ec.Name)
		if ec.TargetContainerName != "" && !others.Has(ec.TargetContainerName) {
			allErrs = append(allErrs, field.NotFound(p.Child("targetContainerName"), ec.TargetContainerName))
		}
		const msg = "cannot be set for an Ephemeral Container"
		forbidden := []struct {
			name string
			set  bool
		}{
			{"ports", len(ec.Ports) > 0},
			{"resources", len(ec.Resources.Limits)+len(ec.Resources.Requests)+len(ec.Resources.Claims) > 0},
			{"resizePolicy", len(ec.ResizePolicy) > 0},
			{"livenessProbe", ec.LivenessProbe != nil},
			{"readinessProbe", ec.ReadinessProbe != nil},
			{"startupProbe", ec.StartupProbe != nil},
			{"lifecycle", ec.Lifecycle != nil},
			{"restartPolicy", ec.RestartPolicy != nil},
			{"restartPolicyRules", len(ec.RestartPolicyRules) > 0},
		}
		for _, f := range forbidden {
			if f.set {
				allErrs = append(allErrs, field.Forbidden(p.Child(f.name), msg))
			}
		}
		for j, vm := range ec.VolumeMounts {
			if vm.SubPath != "" {
				allErrs = append(allErrs, field.Forbidden(p.Child("volumeMounts").Index(j).Child("subPath"), msg))
			}
			if vm.SubPathExpr != "" {
				allErrs = append(allErrs, field.Forbidden(p.Child("volumeMounts").Index(j).Child("subPathExpr"), msg))
			}
		}
	}
	return allErrs
}

func validateContainerRestartPolicy(policy *corev1.ContainerRestartPolicy, fldPath *field.Path) field.ErrorList {
	if policy == nil {
		return nil
	}
	switch *policy {
	case corev1.ContainerRestartPolicyAlways, corev1.ContainerRestartPolicyOnFailure, corev1.ContainerRestartPolicyNever:
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, *policy, []corev1.ContainerRestartPolicy{
		corev1.ContainerRestartPolicyAlways, corev1.ContainerRestartPolicyOnFailure, corev1.ContainerRestartPolicyNever})}
}

func validateContainerRestartRules(rules []corev1.ContainerRestartRule, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, r := range rules {
		p := fldPath.Index(i)
		switch r.Action {
		case corev1.ContainerRestartRuleActionRestart, corev1.ContainerRestartRuleActionRestartAllContainers:
		default:
			allErrs = append(allErrs, field.NotSupported(p.Child("action"), r.Action, []corev1.ContainerRestartRuleAction{
				corev1.ContainerRestartRuleActionRestart, corev1.ContainerRestartRuleActionRestartAllContainers}))
		}
		if r.ExitCodes == nil {
			allErrs = append(allErrs, field.Required(p.Child("exitCodes"), ""))
			continue
		}
		ep := p.Child("exitCodes")
		switch r.ExitCodes.Operator {
		case corev1.ContainerRestartRuleOnExitCodesOpIn, corev1.ContainerRestartRuleOnExitCodesOpNotIn:
		default:
			allErrs = append(allErrs, field.NotSupported(ep.Child("operator"), r.ExitCodes.Operator, []corev1.ContainerRestartRuleOnExitCodesOperator{
				corev1.ContainerRestartRuleOnExitCodesOpIn, corev1.ContainerRestartRuleOnExitCodesOpNotIn}))
		}
		seen := sets.New[int32]()
		for j, v := range r.ExitCodes.Values {
			if seen.Has(v) {
				allErrs = append(allErrs, field.Duplicate(ep.Child("values").Index(j), v))
			}
			seen.Insert(v)
		}
	}
	return allErrs
}

func validateContainerPorts(ports []corev1.ContainerPort, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	names := sets.New[string]()
	for i, port := range ports {
		p := fldPath.Index(i)
		if port.Name != "" {
			if msgs := validation.IsValidPortName(port.Name); len(msgs) != 0 {
				for _, msg := range msgs {
					allErrs = append(allErrs, field.Invalid(p.Child("name"), port.Name, msg))
				}
			} else if names.Has(port.Name) {
				allErrs = append(allErrs, field.Duplicate(p.Child("name"), port.Name))
			}
			names.Insert(port.Name)
		}
		if port.ContainerPort == 0 {
			allErrs = append(allErrs, field.Required(p.Child("containerPort"), ""))
		} else {
			allErrs = append(allErrs, validatePortNumber(port.ContainerPort, p.Child("containerPort"))...)
		}
		if port.HostPort != 0 {
			allErrs = append(allErrs, validatePortNumber(port.HostPort, p.Child("hostPort"))...)
		}
		allErrs = append(allErrs, validateProtocol(port.Protocol, p.Child("protocol"))...)
		if port.HostIP != "" {
			allErrs = append(allErrs, validation.IsValidIP(p.Child("hostIP"), port.HostIP)...)
		}
	}
	return allErrs
}

// validateHostPortConflicts reports two containers asking the node for the
// same protocol/hostIP/hostPort: the pod could never be scheduled.
func validateHostPortConflicts(containers []corev1.Container, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for ci, c := range containers {
		for pi, port := range c.Ports {
			if port.HostPort == 0 {
				continue
			}
			proto := port.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			key := fmt.Sprintf("%s/%s/%d", proto, port.HostIP, port.HostPort)
			if seen.Has(key) {
				allErrs = append(allErrs, field.Duplicate(fldPath.Index(ci).Child("ports").Index(pi).Child("hostPort"), key))
			}
			seen.Insert(key)
		}
	}
	return allErrs
}

// Downward API fields an environment variable may read.
var envDownwardAPIFieldPaths = sets.New(
	"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
	"status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
)

var containerResourceFieldPaths = sets.New(
	"limits.cpu", "limits.memory", "limits.ephemeral-storage",
	"requests.cpu", "requests.memory", "requests.ephemeral-storage",
)

// validateEnvVarName uses the relaxed rule Kubernetes has applied since
// v1.34: any printable ASCII except '='.
func validateEnvVarName(name string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsRelaxedEnvVarName(name) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	return allErrs
}

func validateEnv(vars []corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, ev := range vars {
		p := fldPath.Index(i)
		if ev.Name == "" {
			allErrs = append(allErrs, field.Required(p.Child("name"), ""))
		} else {
			allErrs = append(allErrs, validateEnvVarName(ev.Name, p.Child("name"))...)
		}
		allErrs = append(allErrs, validateEnvVarSource(ev, p.Child("valueFrom"))...)
	}
	return allErrs
}

func validateEnvVarSource(ev corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	src := ev.ValueFrom
	if src == nil {
		return nil
	}
	var allErrs field.ErrorList
	n := 0
	if src.FieldRef != nil {
		n++
		allErrs = append(allErrs, validateObjectFieldSelector(src.FieldRef, envDownwardAPIFieldPaths, fldPath.Child("fieldRef"))...)
	}
	if src.ResourceFieldRef != nil {
		n++
		allErrs = append(allErrs, validateResourceFieldSelector(src.ResourceFieldRef, false, fldPath.Child("resourceFieldRef"))...)
	}
	if src.ConfigMapKeyRef != nil {
		n++
		allErrs = append(allErrs, validateKeySelector(src.ConfigMapKeyRef.Name, src.ConfigMapKeyRef.Key, fldPath.Child("configMapKeyRef"))...)
	}
	if src.SecretKeyRef != nil {
		n++
		allErrs = append(allErrs, validateKeySelector(src.SecretKeyRef.Name, src.SecretKeyRef.Key, fldPath.Child("secretKeyRef"))...)
	}
	if src.FileKeyRef != nil {
		n++
		fp := fldPath.Child("fileKeyRef")
		allErrs = append(allErrs, requiredFields(fp, "volumeName", src.FileKeyRef.VolumeName, "path", src.FileKeyRef.Path, "key", src.FileKeyRef.Key)...)
		if src.FileKeyRef.Path != "" {
			allErrs = append(allErrs, validateLocalDescendingPath(src.FileKeyRef.Path, fp.Child("path"))...)
		}
		if src.FileKeyRef.Key != "" {
			allErrs = append(allErrs, validateEnvVarName(src.FileKeyRef.Key, fp.Child("key"))...)
		}
	}
	switch {
	case n == 0:
		allErrs = append(allErrs, field.Invalid(fldPath, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`"))
	case ev.Value != "":
		allErrs = append(allErrs, field.Invalid(fldPath, "", "may not be specified when `value` is not empty"))
	case n > 1:
		allErrs = append(allErrs, field.Invalid(fldPath, "", "may not have more than one field specified at a time"))
	}
	return allErrs
}

func validateKeySelector(name, key string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if name != "" {
		allErrs = append(allErrs, validateNameWith(nameIsDNSSubdomain, name, fldPath.Child("name"))...)
	}
	if key == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("key"), ""))
	} else {
		for _, msg := range validation.IsConfigMapKey(key) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("key"), key, msg))
		}
	}
	return allErrs
}

// validateObjectFieldSelector checks a downward API fieldRef against the
// fields that may be exposed. Labels and annotations may be addressed one key
// at a time ("metadata.labels['app']").
func validateObjectFieldSelector(fs *corev1.ObjectFieldSelector, allowed sets.Set[string], fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if fs.APIVersion != "" && fs.APIVersion != "v1" {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("apiVersion"), fs.APIVersion, []string{"v1"}))
		return allErrs
	}
	if fs.FieldPath == "" {
		return append(allErrs, field.Required(fldPath.Child("fieldPath"), ""))
	}
	if base, key, ok := splitSubscript(fs.FieldPath); ok {
		switch base {
		case "metadata.annotations":
			allErrs = append(allErrs, validateQualifiedName(strings.ToLower(key), fldPath)...)
		case "metadata.labels":
			allErrs = append(allErrs, validateQualifiedName(key, fldPath)...)
		default:
			allErrs = append(allErrs, field.Invalid(fldPath, base, "does not support subscript"))
		}
		return allErrs
	}
	if !allowed.Has(fs.FieldPath) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("fieldPath"), fs.FieldPath, sets.List(allowed)))
	}
	return allErrs
}

// splitSubscript splits "metadata.labels['key']" into its base and key.
func splitSubscript(fieldPath string) (string, string, bool) {
	if !strings.HasSuffix(fieldPath, "']") {
		return fieldPath, "", false
	}
	i := strings.Index(fieldPath, "['")
	if i < 0 {
		return fieldPath, "", false
	}
	return fieldPath[:i], fieldPath[i+2 : len(fieldPath)-2], true
}

func validateResourceFieldSelector(fs *corev1.ResourceFieldSelector, inVolume bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	switch {
	case inVolume && fs.ContainerName == "":
		// A volume is shared by all containers, so it must say whose
		// resources it exposes.
		allErrs = append(allErrs, field.Required(fldPath.Child("containerName"), ""))
	case fs.Resource == "":
		allErrs = append(allErrs, field.Required(fldPath.Child("resource"), ""))
	case !containerResourceFieldPaths.Has(fs.Resource) &&
		!strings.HasPrefix(fs.Resource, "requests."+hugePagesPrefix) && !strings.HasPrefix(fs.Resource, limitsHugePagesPrefix):
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("resource"), fs.Resource, sets.List(containerResourceFieldPaths)))
	}
	if !fs.Divisor.IsZero() && fs.Divisor.Sign() < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("divisor"), fs.Divisor.String(), isNegativeMsg))
	}
	return allErrs
}

func validateEnvFrom(sources []corev1.EnvFromSource, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, ef := range sources {
		p := fldPath.Index(i)
		if ef.Prefix != "" {
			allErrs = append(allErrs, validateEnvVarName(ef.Prefix, p.Child("prefix"))...)
		}
		n := 0
		if ef.ConfigMapRef != nil {
			n++
			allErrs = append(allErrs, validateEnvFromRef(ef.ConfigMapRef.Name, p.Child("configMapRef"))...)
		}
		if ef.SecretRef != nil {
			n++
			allErrs = append(allErrs, validateEnvFromRef(ef.SecretRef.Name, p.Child("secretRef"))...)
		}
		switch {
		case n == 0:
			allErrs = append(allErrs, field.Invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"))
		case n > 1:
			allErrs = append(allErrs, field.Invalid(p, "", "may not have more than one field specified at a time"))
		}
	}
	return allErrs
}

func validateEnvFromRef(name string, fldPath *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fldPath.Child("name"), "")}
	}
	return validateNameWith(nameIsDNSSubdomain, name, fldPath.Child("name"))
}

// validatePullPolicy accepts an empty policy: the API defaults it from the
// image tag (Always for :latest, IfNotPresent otherwise).
func validatePullPolicy(policy corev1.PullPolicy, fldPath *field.Path) field.ErrorList {
	switch policy {
	case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, policy, []corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever})}
}

func validateResizePolicy(policies []corev1.ContainerResizePolicy, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := sets.New[corev1.ResourceName]()
	for i, rp := range policies {
		p := fldPath.Index(i)
		if seen.Has(rp.ResourceName) {
			allErrs = append(allErrs, field.Duplicate(p, rp.ResourceName))
		}
		seen.Insert(rp.ResourceName)
		switch rp.ResourceName {
		case corev1.ResourceCPU, corev1.ResourceMemory:
		case "":
			allErrs = append(allErrs, field.Required(p.Child("resourceName"), ""))
		default:
			allErrs = append(allErrs, field.NotSupported(p.Child("resourceName"), rp.ResourceName, []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}))
		}
		switch rp.RestartPolicy {
		case corev1.NotRequired, corev1.RestartContainer:
		case "":
			allErrs = append(allErrs, field.Required(p.Child("restartPolicy"), ""))
		default:
			allErrs = append(allErrs, field.NotSupported(p.Child("restartPolicy"), rp.RestartPolicy,
				[]corev1.ResourceResizeRestartPolicy{corev1.NotRequired, corev1.RestartContainer}))
		}
	}
	return allErrs
}

// validateProbesAndLifecycle checks the probes and hooks of a container that
// keeps running (a regular container or a sidecar).
func validateProbesAndLifecycle(c *corev1.Container, gracePeriod int64, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if c.Lifecycle != nil {
		if c.Lifecycle.PostStart != nil {
			allErrs = append(allErrs, validateLifecycleHandler(c.Lifecycle.PostStart, gracePeriod, fldPath.Child("lifecycle", "postStart"))...)
		}
		if c.Lifecycle.PreStop != nil {
			allErrs = append(allErrs, validateLifecycleHandler(c.Lifecycle.PreStop, gracePeriod, fldPath.Child("lifecycle", "preStop"))...)
		}
	}
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
		if pr.probe == nil {
			continue
		}
		p := fldPath.Child(pr.name)
		allErrs = append(allErrs, validateProbe(pr.probe, p)...)
		switch pr.name {
		case "readinessProbe":
			if pr.probe.TerminationGracePeriodSeconds != nil {
				allErrs = append(allErrs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *pr.probe.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
			}
		default:
			// A liveness or startup probe that needed several successes
			// would be meaningless: one success already means "alive".
			// Zero means unset (defaulted to 1).
			if pr.probe.SuccessThreshold > 1 {
				allErrs = append(allErrs, field.Invalid(p.Child("successThreshold"), pr.probe.SuccessThreshold, "must be 1"))
			}
		}
	}
	return allErrs
}

func validateProbe(probe *corev1.Probe, fldPath *field.Path) field.ErrorList {
	h := &probe.ProbeHandler
	allErrs := validateOneOf([]oneOfMember{
		{"exec", h.Exec != nil, func(p *field.Path) field.ErrorList { return validateExec(h.Exec, p) }},
		{"httpGet", h.HTTPGet != nil, func(p *field.Path) field.ErrorList { return validateHTTPGet(h.HTTPGet, p) }},
		{"tcpSocket", h.TCPSocket != nil, func(p *field.Path) field.ErrorList { return validatePortNumOrName(h.TCPSocket.Port, p.Child("port")) }},
		{"grpc", h.GRPC != nil, func(p *field.Path) field.ErrorList { return validatePortNumber(h.GRPC.Port, p.Child("port")) }},
	}, "handler type", fldPath)
	allErrs = append(allErrs, validateNonnegative(int64(probe.InitialDelaySeconds), fldPath.Child("initialDelaySeconds"))...)
	allErrs = append(allErrs, validateNonnegative(int64(probe.TimeoutSeconds), fldPath.Child("timeoutSeconds"))...)
	allErrs = append(allErrs, validateNonnegative(int64(probe.PeriodSeconds), fldPath.Child("periodSeconds"))...)
	allErrs = append(allErrs, validateNonnegative(int64(probe.SuccessThreshold), fldPath.Child("successThreshold"))...)
	allErrs = append(allErrs, validateNonnegative(int64(probe.FailureThreshold), fldPath.Child("failureThreshold"))...)
	if probe.TerminationGracePeriodSeconds != nil && *probe.TerminationGracePeriodSeconds <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("terminationGracePeriodSeconds"), *probe.TerminationGracePeriodSeconds, "must be greater than 0"))
	}
	return allErrs
}

func validateLifecycleHandler(h *corev1.LifecycleHandler, gracePeriod int64, fldPath *field.Path) field.ErrorList {
	return validateOneOf([]oneOfMember{
		{"exec", h.Exec != nil, func(p *field.Path) field.ErrorList { return validateExec(h.Exec, p) }},
		{"httpGet", h.HTTPGet != nil, func(p *field.Path) field.ErrorList { return validateHTTPGet(h.HTTPGet, p) }},
		{"tcpSocket", h.TCPSocket != nil, func(p *field.Path) field.ErrorList { return validatePortNumOrName(h.TCPSocket.Port, p.Child("port")) }},
		{"sleep", h.Sleep != nil, func(p *field.Path) field.ErrorList {
			// The kubelet kills the container after the grace period, so a
			// longer sleep could never finish.
			if h.Sleep.Seconds < 0 || h.Sleep.Seconds > gracePeriod {
				return field.ErrorList{field.Invalid(p.Child("seconds"), h.Sleep.Seconds,
					fmt.Sprintf("must be non-negative and less than terminationGracePeriodSeconds (%d)", gracePeriod))}
			}
			return nil
		}},
	}, "handler type", fldPath)
}

func validateExec(e *corev1.ExecAction, fldPath *field.Path) field.ErrorList {
	if len(e.Command) == 0 {
		return field.ErrorList{field.Required(fldPath.Child("command"), "")}
	}
	return nil
}

func validateHTTPGet(h *corev1.HTTPGetAction, fldPath *field.Path) field.ErrorList {
	allErrs := validatePortNumOrName(h.Port, fldPath.Child("port"))
	switch h.Scheme {
	case "", corev1.URISchemeHTTP, corev1.URISchemeHTTPS:
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("scheme"), h.Scheme, []corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}))
	}
	for i, header := range h.HTTPHeaders {
		for _, msg := range validation.IsHTTPHeaderName(header.Name) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("httpHeaders").Index(i).Child("name"), header.Name, msg))
		}
	}
	return allErrs
}

func validateSecurityContext(sc *corev1.SecurityContext, fldPath *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var allErrs field.ErrorList
	allErrs = append(allErrs, validateUserID(sc.RunAsUser, fldPath.Child("runAsUser"))...)
	allErrs = append(allErrs, validateGroupID(sc.RunAsGroup, fldPath.Child("runAsGroup"))...)
	if sc.ProcMount != nil {
		switch *sc.ProcMount {
		case corev1.DefaultProcMount, corev1.UnmaskedProcMount:
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("procMount"), *sc.ProcMount,
				[]corev1.ProcMountType{corev1.DefaultProcMount, corev1.UnmaskedProcMount}))
		}
	}
	allErrs = append(allErrs, validateSeccompProfile(sc.SeccompProfile, fldPath.Child("seccompProfile"))...)
	allErrs = append(allErrs, validateAppArmorProfile(sc.AppArmorProfile, fldPath.Child("appArmorProfile"))...)
	// A privileged container can always escalate, so asking for both is a
	// contradiction the kubelet would refuse.
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		if sc.Privileged != nil && *sc.Privileged {
			allErrs = append(allErrs, field.Invalid(fldPath, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
		}
		if sc.Capabilities != nil {
			for _, c := range sc.Capabilities.Add {
				if c == "CAP_SYS_ADMIN" {
					allErrs = append(allErrs, field.Invalid(fldPath, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
				}
			}
		}
	}
	return allErrs
}

func validateUserID(id *int64, fldPath *field.Path) field.ErrorList {
	if id == nil {
		return nil
	}
	var allErrs field.ErrorList
	for _, msg := range validation.IsValidUserID(*id) {
		allErrs = append(allErrs, field.Invalid(fldPath, *id, msg))
	}
	return allErrs
}

func validateGroupID(id *int64, fldPath *field.Path) field.ErrorList {
	if id == nil {
		return nil
	}
	var allErrs field.ErrorList
	for _, msg := range validation.IsValidGroupID(*id) {
		allErrs = append(allErrs, field.Invalid(fldPath, *id, msg))
	}
	return allErrs
}

func validateSeccompProfile(sp *corev1.SeccompProfile, fldPath *field.Path) field.ErrorList {
	if sp == nil {
		return nil
	}
	switch sp.Type {
	case corev1.SeccompProfileTypeLocalhost:
		if sp.LocalhostProfile == nil || *sp.LocalhostProfile == "" {
			return field.ErrorList{field.Required(fldPath.Child("localhostProfile"), "must be set when seccomp type is Localhost")}
		}
		return validateLocalDescendingPath(*sp.LocalhostProfile, fldPath.Child("localhostProfile"))
	case corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined:
		if sp.LocalhostProfile != nil {
			return field.ErrorList{field.Invalid(fldPath.Child("localhostProfile"), *sp.LocalhostProfile, "can only be set when seccomp type is Localhost")}
		}
		return nil
	case "":
		return field.ErrorList{field.Required(fldPath.Child("type"), "")}
	}
	return field.ErrorList{field.NotSupported(fldPath.Child("type"), sp.Type, []corev1.SeccompProfileType{
		corev1.SeccompProfileTypeLocalhost, corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined})}
}

func validateAppArmorProfile(ap *corev1.AppArmorProfile, fldPath *field.Path) field.ErrorList {
	if ap == nil {
		return nil
	}
	switch ap.Type {
	case corev1.AppArmorProfileTypeLocalhost:
		if ap.LocalhostProfile == nil || strings.TrimSpace(*ap.LocalhostProfile) == "" {
			return field.ErrorList{field.Required(fldPath.Child("localhostProfile"), "must be set when AppArmor type is Localhost")}
		}
		return nil
	case corev1.AppArmorProfileTypeRuntimeDefault, corev1.AppArmorProfileTypeUnconfined:
		if ap.LocalhostProfile != nil {
			return field.ErrorList{field.Invalid(fldPath.Child("localhostProfile"), *ap.LocalhostProfile, "can only be set when AppArmor type is Localhost")}
		}
		return nil
	case "":
		return field.ErrorList{field.Required(fldPath.Child("type"), "")}
	}
	return field.ErrorList{field.NotSupported(fldPath.Child("type"), ap.Type, []corev1.AppArmorProfileType{
		corev1.AppArmorProfileTypeLocalhost, corev1.AppArmorProfileTypeRuntimeDefault, corev1.AppArmorProfileTypeUnconfined})}
}
