package conversion

import (
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
)

// The two Event types hold the same data under different names: the
// events.k8s.io/v1 names describe the newer event model and prefix the
// fields kept only for old clients with "deprecated". Every field maps to
// exactly one field of the other type, so the conversions are lossless.
// reportingController and reportingInstance map to core/v1's fields of the
// same meaning, not to source.component and source.host, which are
// deprecatedSource's.

// ConvertEventCoreToV1 converts a stored core/v1 Event to events.k8s.io/v1.
// in is not modified and out shares no memory with it.
func ConvertEventCoreToV1(in *corev1.Event, out *eventsv1.Event) error {
	in = in.DeepCopy()
	*out = eventsv1.Event{
		ObjectMeta:               in.ObjectMeta,
		EventTime:                in.EventTime,
		Series:                   (*eventsv1.EventSeries)(in.Series),
		ReportingController:      in.ReportingController,
		ReportingInstance:        in.ReportingInstance,
		Action:                   in.Action,
		Reason:                   in.Reason,
		Regarding:                in.InvolvedObject,
		Related:                  in.Related,
		Note:                     in.Message,
		Type:                     in.Type,
		DeprecatedSource:         in.Source,
		DeprecatedFirstTimestamp: in.FirstTimestamp,
		DeprecatedLastTimestamp:  in.LastTimestamp,
		DeprecatedCount:          in.Count,
	}
	return nil
}

// ConvertEventV1ToCore converts an events.k8s.io/v1 Event to the stored
// core/v1 form. in is not modified and out shares no memory with it.
func ConvertEventV1ToCore(in *eventsv1.Event, out *corev1.Event) error {
	in = in.DeepCopy()
	*out = corev1.Event{
		ObjectMeta:          in.ObjectMeta,
		InvolvedObject:      in.Regarding,
		Reason:              in.Reason,
		Message:             in.Note,
		Source:              in.DeprecatedSource,
		FirstTimestamp:      in.DeprecatedFirstTimestamp,
		LastTimestamp:       in.DeprecatedLastTimestamp,
		Count:               in.DeprecatedCount,
		Type:                in.Type,
		EventTime:           in.EventTime,
		Series:              (*corev1.EventSeries)(in.Series),
		Action:              in.Action,
		Related:             in.Related,
		ReportingController: in.ReportingController,
		ReportingInstance:   in.ReportingInstance,
	}
	return nil
}
