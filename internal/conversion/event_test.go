package conversion

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	first     = metav1.NewTime(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	last      = metav1.NewTime(time.Date(2024, 5, 1, 12, 5, 0, 0, time.UTC))
	eventTime = metav1.NewMicroTime(time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC))
	podRef    = corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-0", UID: "u1", APIVersion: "v1", FieldPath: "spec.containers{app}"}
	nodeRef   = corev1.ObjectReference{Kind: "Node", Name: "node-1", APIVersion: "v1"}
)

func coreEvent() *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "web-0.17c", Namespace: "default", ResourceVersion: "9", Labels: map[string]string{"a": "b"}},
		InvolvedObject: podRef,
		Reason:         "BackOff",
		Message:        "Back-off restarting failed container",
		Source:         corev1.EventSource{Component: "kubelet", Host: "node-1"},
		FirstTimestamp: first,
		LastTimestamp:  last,
		Count:          5,
		Type:           corev1.EventTypeWarning,
		EventTime:      eventTime,
		Series:         &corev1.EventSeries{Count: 4, LastObservedTime: eventTime},
		Action:         "Restarting",
		Related:        &nodeRef,
		// Deliberately different from source: the two are separate fields.
		ReportingController: "kubernetes.io/kubelet",
		ReportingInstance:   "kubelet-node-1",
	}
}

func eventsEvent() *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "web-0.17d", Namespace: "default"},
		EventTime:           eventTime,
		ReportingController: "example.com/operator",
		ReportingInstance:   "operator-7d9f",
		Action:              "Scaling",
		Reason:              "ScaledUp",
		Regarding:           podRef,
		Note:                "scaled up to 3",
		Type:                corev1.EventTypeNormal,
	}
}

func TestEventRoundTrip(t *testing.T) {
	s := newScheme(t)
	t.Run("core/v1 -> events.k8s.io/v1 -> core/v1", func(t *testing.T) {
		for name, in := range map[string]*corev1.Event{
			"every field set": coreEvent(),
			"legacy event without series or event time": {
				ObjectMeta: metav1.ObjectMeta{Name: "old", Namespace: "default"}, InvolvedObject: podRef,
				Reason: "Pulled", Message: "pulled", Source: corev1.EventSource{Component: "kubelet"},
				FirstTimestamp: first, LastTimestamp: first, Count: 1, Type: corev1.EventTypeNormal,
			},
			"empty": {},
		} {
			t.Run(name, func(t *testing.T) {
				v1 := convert[eventsv1.Event](t, s, in)
				back := convert[corev1.Event](t, s, v1)
				expectEqual(t, "round trip", back, in)
			})
		}
	})
	t.Run("events.k8s.io/v1 -> core/v1 -> events.k8s.io/v1", func(t *testing.T) {
		series := eventsEvent()
		series.Series = &eventsv1.EventSeries{Count: 2, LastObservedTime: eventTime}
		series.Related = &nodeRef
		deprecated := eventsEvent()
		deprecated.DeprecatedSource = corev1.EventSource{Component: "legacy", Host: "h"}
		deprecated.DeprecatedFirstTimestamp, deprecated.DeprecatedLastTimestamp, deprecated.DeprecatedCount = first, last, 3
		for name, in := range map[string]*eventsv1.Event{
			"new-style event": eventsEvent(),
			"with series":     series,
			"with deprecated": deprecated,
		} {
			t.Run(name, func(t *testing.T) {
				core := convert[corev1.Event](t, s, in)
				back := convert[eventsv1.Event](t, s, core)
				expectEqual(t, "round trip", back, in)
			})
		}
	})
}

func TestEventFieldMapping(t *testing.T) {
	s := newScheme(t)
	in := coreEvent()
	got := convert[eventsv1.Event](t, s, in)
	want := &eventsv1.Event{
		ObjectMeta:               in.ObjectMeta,
		EventTime:                eventTime,
		Series:                   &eventsv1.EventSeries{Count: 4, LastObservedTime: eventTime},
		ReportingController:      "kubernetes.io/kubelet",
		ReportingInstance:        "kubelet-node-1",
		Action:                   "Restarting",
		Reason:                   "BackOff",
		Regarding:                podRef,
		Related:                  &nodeRef,
		Note:                     "Back-off restarting failed container",
		Type:                     corev1.EventTypeWarning,
		DeprecatedSource:         corev1.EventSource{Component: "kubelet", Host: "node-1"},
		DeprecatedFirstTimestamp: first,
		DeprecatedLastTimestamp:  last,
		DeprecatedCount:          5,
	}
	expectEqual(t, "events.k8s.io/v1 event", got, want)

	got.Labels["a"] = "changed"
	got.Related.Name = "changed"
	if in.Labels["a"] != "b" || in.Related.Name != "node-1" {
		t.Error("the converted event shares memory with its input")
	}
}

func TestEventListConversion(t *testing.T) {
	s := newScheme(t)
	in := &corev1.EventList{
		ListMeta: metav1.ListMeta{ResourceVersion: "11"},
		Items:    []corev1.Event{*coreEvent(), {ObjectMeta: metav1.ObjectMeta{Name: "second"}}},
	}
	v1 := convert[eventsv1.EventList](t, s, in)
	if len(v1.Items) != 2 || v1.Items[0].Note != in.Items[0].Message || v1.ResourceVersion != "11" {
		t.Fatalf("list not converted: %#v", v1)
	}
	back := convert[corev1.EventList](t, s, v1)
	expectEqual(t, "core list -> events.k8s.io/v1 -> core", back, in)
}
