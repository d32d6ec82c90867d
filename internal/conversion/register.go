package conversion

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

// AddToScheme registers the conversion functions, in both directions, for
// HorizontalPodAutoscaler and Event and their List types, and the query
// parameter decoding of the pod subresources' options.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		register(ConvertHPAV1ToV2),
		register(ConvertHPAV2ToV1),
		register(listConversion(
			func(l *autoscalingv1.HorizontalPodAutoscalerList) (*metaList, []autoscalingv1.HorizontalPodAutoscaler) {
				return &l.ListMeta, l.Items
			},
			func(l *autoscalingv2.HorizontalPodAutoscalerList, items []autoscalingv2.HorizontalPodAutoscaler) *metaList {
				l.Items = items
				return &l.ListMeta
			},
			ConvertHPAV1ToV2,
		)),
		register(listConversion(
			func(l *autoscalingv2.HorizontalPodAutoscalerList) (*metaList, []autoscalingv2.HorizontalPodAutoscaler) {
				return &l.ListMeta, l.Items
			},
			func(l *autoscalingv1.HorizontalPodAutoscalerList, items []autoscalingv1.HorizontalPodAutoscaler) *metaList {
				l.Items = items
				return &l.ListMeta
			},
			ConvertHPAV2ToV1,
		)),
		register(ConvertEventV1ToCore),
		register(ConvertEventCoreToV1),
		register(listConversion(
			func(l *eventsv1.EventList) (*metaList, []eventsv1.Event) { return &l.ListMeta, l.Items },
			func(l *corev1.EventList, items []corev1.Event) *metaList {
				l.Items = items
				return &l.ListMeta
			},
			ConvertEventV1ToCore,
		)),
		register(listConversion(
			func(l *corev1.EventList) (*metaList, []corev1.Event) { return &l.ListMeta, l.Items },
			func(l *eventsv1.EventList, items []eventsv1.Event) *metaList {
				l.Items = items
				return &l.ListMeta
			},
			ConvertEventCoreToV1,
		)),
		addQueryParamConversions,
	} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}

// metaList is the metadata every List type embeds.
type metaList = metav1.ListMeta

// register returns a function that adds fn to a scheme as the conversion
// from *In to *Out. Typing fn makes a mismatched registration a compile
// error instead of a panic during a request.
func register[In, Out any](fn func(*In, *Out) error) func(*runtime.Scheme) error {
	return func(s *runtime.Scheme) error {
		return s.AddConversionFunc((*In)(nil), (*Out)(nil), func(in, out interface{}, _ conversion.Scope) error {
			return fn(in.(*In), out.(*Out))
		})
	}
}

// listConversion builds the conversion of a List type from the conversion
// of its items. src exposes the source list's metadata and items; dst
// stores converted items in the destination list and exposes its metadata.
func listConversion[InList, OutList, In, Out any](
	src func(*InList) (*metaList, []In),
	dst func(*OutList, []Out) *metaList,
	item func(*In, *Out) error,
) func(*InList, *OutList) error {
	return func(in *InList, out *OutList) error {
		meta, items := src(in)
		var converted []Out
		if items != nil {
			converted = make([]Out, len(items))
			for i := range items {
				if err := item(&items[i], &converted[i]); err != nil {
					return err
				}
			}
		}
		var fresh OutList
		*dst(&fresh, converted) = *meta.DeepCopy()
		*out = fresh
		return nil
	}
}
