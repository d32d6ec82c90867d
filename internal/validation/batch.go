package validation

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	// maxIndexedJobCompletions bounds Indexed jobs, whose completed indexes
	// are tracked in the status.
	maxIndexedJobCompletions = 100000
	// maxCronJobNameLength leaves room for the 11-character suffix the
	// controller appends to name each Job within the 63-character label
	// limit (the Job name is copied into a pod label).
	maxCronJobNameLength     = 52
	maxPodFailurePolicyRules = 20
	maxManagedByLength       = 63
)

// ValidateJob validates a Job on create.
//
// The selector is optional unless manualSelector is true: like Kubernetes,
// Marina is expected to generate it (and the matching template labels) from
// the Job's uid before storing the Job. A selector that is present must match
// the template's labels.
func ValidateJob(job *batchv1.Job) field.ErrorList {
	allErrs := validateObjectMeta(&job.ObjectMeta, true, nameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateJobSpecWithSelector(&job.Spec, field.NewPath("spec"))...)
	return allErrs
}

func validateJobSpecWithSelector(spec *batchv1.JobSpec, specPath *field.Path) field.ErrorList {
	allErrs := validateJobSpec(spec, specPath)
	selPath := specPath.Child("selector")
	if spec.Selector == nil {
		if spec.ManualSelector != nil && *spec.ManualSelector {
			allErrs = append(allErrs, field.Required(selPath, "must be set when `manualSelector` is true"))
		}
		return allErrs
	}
	allErrs = append(allErrs, validateLabelSelector(spec.Selector, selPath)...)
	allErrs = append(allErrs, validateSelectorMatchesTemplate(spec.Selector, spec.Template.Labels, specPath.Child("template"))...)
	return allErrs
}

// validateJobSpec holds the checks shared by Jobs and CronJob job templates.
func validateJobSpec(spec *batchv1.JobSpec, specPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	allErrs = append(allErrs, validateNonnegativePtr(spec.Parallelism, specPath.Child("parallelism"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.Completions, specPath.Child("completions"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.BackoffLimit, specPath.Child("backoffLimit"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.TTLSecondsAfterFinished, specPath.Child("ttlSecondsAfterFinished"))...)
	if ads := spec.ActiveDeadlineSeconds; ads != nil && *ads <= 0 {
		allErrs = append(allErrs, field.Invalid(specPath.Child("activeDeadlineSeconds"), *ads, isNotPositiveMsg))
	}

	indexed := false
	if cm := spec.CompletionMode; cm != nil {
		switch *cm {
		case batchv1.NonIndexedCompletion:
		case batchv1.IndexedCompletion:
			indexed = true
		default:
			allErrs = append(allErrs, field.NotSupported(specPath.Child("completionMode"), *cm,
				[]batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion}))
		}
	}
	if indexed {
		// Each index is one pod to complete, so the count must be known.
		if spec.Completions == nil {
			allErrs = append(allErrs, field.Required(specPath.Child("completions"), fmt.Sprintf("when completion mode is %s", batchv1.IndexedCompletion)))
		} else if *spec.Completions > maxIndexedJobCompletions {
			allErrs = append(allErrs, field.Invalid(specPath.Child("completions"), *spec.Completions, fmt.Sprintf("must be less than or equal to %d when completion mode is %s", maxIndexedJobCompletions, batchv1.IndexedCompletion)))
		}
		if spec.Parallelism != nil && *spec.Parallelism > maxIndexedJobCompletions {
			allErrs = append(allErrs, field.Invalid(specPath.Child("parallelism"), *spec.Parallelism, fmt.Sprintf("must be less than or equal to %d when completion mode is %s", maxIndexedJobCompletions, batchv1.IndexedCompletion)))
		}
	}
	if spec.BackoffLimitPerIndex != nil {
		allErrs = append(allErrs, validateNonnegativePtr(spec.BackoffLimitPerIndex, specPath.Child("backoffLimitPerIndex"))...)
		if !indexed {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("backoffLimitPerIndex"), "requires indexed completion mode"))
		}
	}
	if spec.MaxFailedIndexes != nil {
		allErrs = append(allErrs, validateNonnegativePtr(spec.MaxFailedIndexes, specPath.Child("maxFailedIndexes"))...)
		if spec.BackoffLimitPerIndex == nil {
			allErrs = append(allErrs, field.Required(specPath.Child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
		}
		if spec.Completions != nil && *spec.MaxFailedIndexes > *spec.Completions {
			allErrs = append(allErrs, field.Invalid(specPath.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, "must be less than or equal to completions"))
		}
	}
	if spec.SuccessPolicy != nil {
		allErrs = append(allErrs, validateSuccessPolicy(spec, indexed, specPath.Child("successPolicy"))...)
	}
	if spec.PodFailurePolicy != nil {
		allErrs = append(allErrs, validatePodFailurePolicy(spec, specPath.Child("podFailurePolicy"))...)
	}
	if prp := spec.PodReplacementPolicy; prp != nil {
		switch *prp {
		case batchv1.TerminatingOrFailed:
			// A pod failure policy needs to see the pod's final state, so
			// replacements must wait until the old pod has failed.
			if spec.PodFailurePolicy != nil {
				allErrs = append(allErrs, field.NotSupported(specPath.Child("podReplacementPolicy"), *prp,
					[]batchv1.PodReplacementPolicy{batchv1.Failed}))
			}
		case batchv1.Failed:
		default:
			allErrs = append(allErrs, field.NotSupported(specPath.Child("podReplacementPolicy"), *prp,
				[]batchv1.PodReplacementPolicy{batchv1.Failed, batchv1.TerminatingOrFailed}))
		}
	}
	if mb := spec.ManagedBy; mb != nil {
		p := specPath.Child("managedBy")
		allErrs = append(allErrs, validation.IsDomainPrefixedPath(p, *mb)...)
		if len(*mb) > maxManagedByLength {
			allErrs = append(allErrs, field.TooLong(p, *mb, maxManagedByLength))
		}
	}

	tmplPath := specPath.Child("template")
	allErrs = append(allErrs, ValidatePodTemplateSpec(&spec.Template, tmplPath)...)
	// A Job's pods must terminate; restartPolicy Always would never let
	// them. An empty policy defaults to Always and is rejected too.
	if rp := spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever {
		allErrs = append(allErrs, field.NotSupported(tmplPath.Child("spec", "restartPolicy"), rp,
			[]corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	}
	return allErrs
}

func validateSuccessPolicy(spec *batchv1.JobSpec, indexed bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if !indexed {
		allErrs = append(allErrs, field.Invalid(fldPath, spec.SuccessPolicy, "requires indexed completion mode"))
	}
	rulesPath := fldPath.Child("rules")
	if len(spec.SuccessPolicy.Rules) == 0 {
		allErrs = append(allErrs, field.Required(rulesPath, "at least one rules must be specified when the successPolicy is specified"))
	}
	for i, r := range spec.SuccessPolicy.Rules {
		p := rulesPath.Index(i)
		if r.SucceededIndexes == nil && r.SucceededCount == nil {
			allErrs = append(allErrs, field.Required(p, "at least one of succeededCount or succeededIndexes must be specified"))
		}
		if r.SucceededIndexes != nil {
			if _, err := parseIndexes(*r.SucceededIndexes, spec.Completions); err != nil {
				allErrs = append(allErrs, field.Invalid(p.Child("succeededIndexes"), *r.SucceededIndexes, fmt.Sprintf("error parsing succeededIndexes: %s", err.Error())))
			}
		}
		if c := r.SucceededCount; c != nil {
			if *c < 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("succeededCount"), *c, isNegativeMsg))
			} else if spec.Completions != nil && *c > *spec.Completions {
				allErrs = append(allErrs, field.Invalid(p.Child("succeededCount"), *c, fmt.Sprintf("must be less than or equal to %d (the number of specified completions)", *spec.Completions)))
			}
		}
	}
	return allErrs
}

// parseIndexes parses a list of job indexes like "1,3-5,7" and returns how
// many there are. Intervals must be ordered and must not overlap.
func parseIndexes(s string, completions *int32) (int, error) {
	count, last := 0, -1
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		var a, b int
		if _, err := fmt.Sscanf(lo, "%d", &a); err != nil || fmt.Sprint(a) != lo {
			return 0, fmt.Errorf("cannot convert string to integer for index: %q", lo)
		}
		b = a
		if isRange {
			if _, err := fmt.Sscanf(hi, "%d", &b); err != nil || fmt.Sprint(b) != hi {
				return 0, fmt.Errorf("cannot convert string to integer for index: %q", hi)
			}
		}
		if a > b {
			return 0, fmt.Errorf("non-increasing order, previous: %d, current: %d", a, b)
		}
		if a <= last {
			return 0, fmt.Errorf("overlapping intervals or non-increasing order: %s", part)
		}
		if completions != nil && b >= int(*completions) {
			return 0, fmt.Errorf("too large index: %d", b)
		}
		count += b - a + 1
		last = b
	}
	return count, nil
}

var supportedFailurePolicyActions = []batchv1.PodFailurePolicyAction{
	batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyActionFailIndex, batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyActionIgnore,
}

func validatePodFailurePolicy(spec *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	rulesPath := fldPath.Child("rules")
	rules := spec.PodFailurePolicy.Rules
	if len(rules) > maxPodFailurePolicyRules {
		allErrs = append(allErrs, field.TooMany(rulesPath, len(rules), maxPodFailurePolicyRules))
	}
	containers := sets.New[string]()
	for _, c := range spec.Template.Spec.Containers {
		containers.Insert(c.Name)
	}
	for _, c := range spec.Template.Spec.InitContainers {
		containers.Insert(c.Name)
	}
	for i, r := range rules {
		p := rulesPath.Index(i)
		switch r.Action {
		case batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyActionIgnore:
		case batchv1.PodFailurePolicyActionFailIndex:
			if spec.BackoffLimitPerIndex == nil {
				allErrs = append(allErrs, field.Invalid(p.Child("action"), r.Action, "requires the backoffLimitPerIndex to be set"))
			}
		default:
			allErrs = append(allErrs, field.NotSupported(p.Child("action"), r.Action, supportedFailurePolicyActions))
		}
		switch {
		case r.OnExitCodes != nil && len(r.OnPodConditions) > 0:
			allErrs = append(allErrs, field.Invalid(p, field.OmitValueType{}, "specifying both OnExitCodes and OnPodConditions is not supported"))
		case r.OnExitCodes == nil && len(r.OnPodConditions) == 0:
			allErrs = append(allErrs, field.Invalid(p, field.OmitValueType{}, "specifying one of OnExitCodes and OnPodConditions is required"))
		}
		if ec := r.OnExitCodes; ec != nil {
			ep := p.Child("onExitCodes")
			if ec.ContainerName != nil && !containers.Has(*ec.ContainerName) {
				allErrs = append(allErrs, field.Invalid(ep.Child("containerName"), *ec.ContainerName, "must be one of the container or initContainer names in the pod template"))
			}
			switch ec.Operator {
			case batchv1.PodFailurePolicyOnExitCodesOpIn, batchv1.PodFailurePolicyOnExitCodesOpNotIn:
			default:
				allErrs = append(allErrs, field.NotSupported(ep.Child("operator"), ec.Operator,
					[]batchv1.PodFailurePolicyOnExitCodesOperator{batchv1.PodFailurePolicyOnExitCodesOpIn, batchv1.PodFailurePolicyOnExitCodesOpNotIn}))
			}
			if len(ec.Values) == 0 {
				allErrs = append(allErrs, field.Invalid(ep.Child("values"), ec.Values, "at least one value is required"))
			}
			prev := int32(-1)
			for j, v := range ec.Values {
				vp := ep.Child("values").Index(j)
				// Exit code 0 means success, so it can never be a failure.
				if ec.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && v == 0 {
					allErrs = append(allErrs, field.Invalid(vp, v, "must not be 0 for the In operator"))
				}
				if v <= prev && j > 0 {
					allErrs = append(allErrs, field.Invalid(vp, v, "must be ordered"))
				}
				prev = v
			}
		}
		for j, pc := range r.OnPodConditions {
			cp := p.Child("onPodConditions").Index(j)
			allErrs = append(allErrs, validateQualifiedName(string(pc.Type), cp.Child("type"))...)
			switch pc.Status {
			case corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown:
			default:
				allErrs = append(allErrs, field.NotSupported(cp.Child("status"), pc.Status,
					[]corev1.ConditionStatus{corev1.ConditionFalse, corev1.ConditionTrue, corev1.ConditionUnknown}))
			}
		}
	}
	return allErrs
}

// ValidateJobUpdate validates an update of a Job. The pods a Job runs are
// fixed once it exists: selector, template, completions and the failure and
// success rules are immutable. While a Job is suspended and has never
// started, its pods' scheduling directives may still change so that a queue
// controller can decide where it runs.
func ValidateJobUpdate(job, old *batchv1.Job) field.ErrorList {
	specPath := field.NewPath("spec")
	allErrs := validateObjectMetaUpdate(&job.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateJob(job)...)

	// A selector generated by the registry on create may be filled in on
	// the first update; after that it is fixed.
	if old.Spec.Selector != nil {
		allErrs = append(allErrs, immutable(job.Spec.Selector, old.Spec.Selector, specPath.Child("selector"))...)
	}
	allErrs = append(allErrs, immutable(job.Spec.Completions, old.Spec.Completions, specPath.Child("completions"))...)
	allErrs = append(allErrs, immutable(job.Spec.CompletionMode, old.Spec.CompletionMode, specPath.Child("completionMode"))...)
	allErrs = append(allErrs, immutable(job.Spec.PodFailurePolicy, old.Spec.PodFailurePolicy, specPath.Child("podFailurePolicy"))...)
	allErrs = append(allErrs, immutable(job.Spec.BackoffLimitPerIndex, old.Spec.BackoffLimitPerIndex, specPath.Child("backoffLimitPerIndex"))...)
	allErrs = append(allErrs, immutable(job.Spec.SuccessPolicy, old.Spec.SuccessPolicy, specPath.Child("successPolicy"))...)
	allErrs = append(allErrs, immutable(job.Spec.ManagedBy, old.Spec.ManagedBy, specPath.Child("managedBy"))...)

	newTmpl := job.Spec.Template.DeepCopy()
	suspendedNotStarted := old.Spec.Suspend != nil && *old.Spec.Suspend && old.Status.StartTime == nil
	if suspendedNotStarted {
		newTmpl.Labels = old.Spec.Template.Labels
		newTmpl.Annotations = old.Spec.Template.Annotations
		newTmpl.Spec.NodeSelector = old.Spec.Template.Spec.NodeSelector
		newTmpl.Spec.Tolerations = old.Spec.Template.Spec.Tolerations
		newTmpl.Spec.Affinity = old.Spec.Template.Spec.Affinity
		newTmpl.Spec.SchedulingGates = old.Spec.Template.Spec.SchedulingGates
	}
	// Controllers add labels of their own (such as the generated selector
	// labels) to the template; those are compared like everything else.
	if !apiequality.Semantic.DeepEqual(*newTmpl, old.Spec.Template) {
		allErrs = append(allErrs, field.Invalid(specPath.Child("template"), field.OmitValueType{}, fieldImmutableMsg))
	}
	return allErrs
}

// ValidateCronJob validates a CronJob on create.
func ValidateCronJob(cj *batchv1.CronJob) field.ErrorList {
	metaPath := field.NewPath("metadata")
	specPath := field.NewPath("spec")
	spec := &cj.Spec
	allErrs := validateObjectMeta(&cj.ObjectMeta, true, nameIsDNSSubdomain, metaPath)
	if len(cj.Name) > maxCronJobNameLength {
		allErrs = append(allErrs, field.Invalid(metaPath.Child("name"), cj.Name, fmt.Sprintf("must be no more than %d characters", maxCronJobNameLength)))
	}

	schedPath := specPath.Child("schedule")
	switch {
	case spec.Schedule == "":
		allErrs = append(allErrs, field.Required(schedPath, ""))
	case strings.Contains(spec.Schedule, "TZ"):
		// The zone belongs in spec.timeZone, where it is validated.
		allErrs = append(allErrs, field.Invalid(schedPath, spec.Schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
	default:
		if err := parseCronSchedule(spec.Schedule); err != nil {
			allErrs = append(allErrs, field.Invalid(schedPath, spec.Schedule, err.Error()))
		}
	}
	allErrs = append(allErrs, validateTimeZone(spec.TimeZone, specPath.Child("timeZone"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.StartingDeadlineSeconds, specPath.Child("startingDeadlineSeconds"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.SuccessfulJobsHistoryLimit, specPath.Child("successfulJobsHistoryLimit"))...)
	allErrs = append(allErrs, validateNonnegativePtr(spec.FailedJobsHistoryLimit, specPath.Child("failedJobsHistoryLimit"))...)
	switch spec.ConcurrencyPolicy {
	case "", batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
	default:
		allErrs = append(allErrs, field.NotSupported(specPath.Child("concurrencyPolicy"), spec.ConcurrencyPolicy,
			[]batchv1.ConcurrencyPolicy{batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent}))
	}

	tmplPath := specPath.Child("jobTemplate")
	allErrs = append(allErrs, validateLabels(spec.JobTemplate.Labels, tmplPath.Child("metadata", "labels"))...)
	allErrs = append(allErrs, validateAnnotations(spec.JobTemplate.Annotations, tmplPath.Child("metadata", "annotations"))...)
	allErrs = append(allErrs, validateJobSpec(&spec.JobTemplate.Spec, tmplPath.Child("spec"))...)
	// Each Job the CronJob creates gets its own generated selector.
	if spec.JobTemplate.Spec.Selector != nil {
		allErrs = append(allErrs, field.Invalid(tmplPath.Child("spec", "selector"), spec.JobTemplate.Spec.Selector, "`selector` will be auto-generated"))
	}
	if ms := spec.JobTemplate.Spec.ManualSelector; ms != nil && *ms {
		allErrs = append(allErrs, field.NotSupported(tmplPath.Child("spec", "manualSelector"), *ms, []string{"nil", "false"}))
	}
	return allErrs
}

// A zone name is a path of IANA-style elements such as "America/New_York".
var timeZoneElement = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

// validateTimeZone requires an explicit IANA zone that this server can load:
// the schedule is evaluated in it.
func validateTimeZone(tz *string, fldPath *field.Path) field.ErrorList {
	if tz == nil {
		return nil
	}
	if *tz == "" {
		return field.ErrorList{field.Invalid(fldPath, *tz, "timeZone must be nil or non-empty string")}
	}
	for _, part := range strings.Split(*tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !timeZoneElement.MatchString(part) {
			return field.ErrorList{field.Invalid(fldPath, *tz, fmt.Sprintf("unknown time zone %s", *tz))}
		}
	}
	if strings.EqualFold(*tz, "Local") {
		return field.ErrorList{field.Invalid(fldPath, *tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")}
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		return field.ErrorList{field.Invalid(fldPath, *tz, err.Error())}
	}
	return nil
}

// ValidateCronJobUpdate validates an update of a CronJob. Everything in the
// spec may change (the next Job created uses the new template).
func ValidateCronJobUpdate(cj, old *batchv1.CronJob) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&cj.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateCronJob(cj)...)
}
