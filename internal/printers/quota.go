package printers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Column order follows current kube-apiserver, which moved AGE to the end
// (older releases printed NAME AGE REQUEST LIMIT).
var resourceQuotaTable = newTable([]metav1.TableColumnDefinition{
	nameColumn(),
	column("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
	column("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
	ageColumn(),
}, func(q *corev1.ResourceQuota) []interface{} {
	request, limit := quotaUsage(q)
	return []interface{}{q.Name, request, limit, age(q.CreationTimestamp)}
})

// quotaUsage renders "resource: used/hard" for every enforced resource,
// splitting limits.* resources into the LIMIT column and everything else
// into REQUEST.
func quotaUsage(q *corev1.ResourceQuota) (request, limit string) {
	names := make([]string, 0, len(q.Status.Hard))
	for name := range q.Status.Hard {
		names = append(names, string(name))
	}
	sort.Strings(names)

	var requests, limits []string
	for _, name := range names {
		used := q.Status.Used[corev1.ResourceName(name)]
		hard := q.Status.Hard[corev1.ResourceName(name)]
		entry := fmt.Sprintf("%s: %s/%s", name, used.String(), hard.String())
		if strings.HasPrefix(name, "limits.") {
			limits = append(limits, entry)
		} else {
			requests = append(requests, entry)
		}
	}
	return strings.Join(requests, ", "), strings.Join(limits, ", ")
}

// Kubernetes has no dedicated limit-range printer; these are the generic
// NAME / CREATED AT columns, spelled out so limitranges are listed here with
// the other core resources.
var limitRangeTable = newTable([]metav1.TableColumnDefinition{
	nameColumn(),
	column("Created At", "date", objectMetaDocs["creationTimestamp"]),
}, func(lr *corev1.LimitRange) []interface{} {
	return []interface{}{lr.Name, lr.CreationTimestamp.UTC().Format(time.RFC3339)}
})
