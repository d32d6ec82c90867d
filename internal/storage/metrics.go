package storage

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// storageDuration is the bolt backend's latency, served on /metrics next
// to the API server's own metrics (the etcd backend reports
// etcd_request_duration_seconds instead).
var storageDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
	Namespace: "marina",
	Subsystem: "storage",
	Name:      "request_duration_seconds",
	Help:      "Latency of storage operations of the bolt backend, by operation and resource.",
	Buckets:   []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
}, []string{"operation", "group", "resource", "result"})

func init() {
	legacyregistry.MustRegister(storageDuration)
}

func observeStorage(op string, gr schema.GroupResource, d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	storageDuration.WithLabelValues(op, gr.Group, gr.Resource, result).Observe(d.Seconds())
}
