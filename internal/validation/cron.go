package validation

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parseCronSchedule returns an error describing the first problem found in
// schedule, or nil if the CronJob controller can run it. The parser is the
// one Kubernetes uses (robfig/cron, standard five fields and the @
// descriptors), with Kubernetes' extra rule that @every takes a positive
// duration.
func parseCronSchedule(schedule string) error {
	if _, err := cron.ParseStandard(schedule); err != nil {
		return err
	}
	if rest, ok := strings.CutPrefix(strings.TrimSpace(schedule), "@every "); ok {
		if d, err := time.ParseDuration(strings.TrimSpace(rest)); err == nil && d <= 0 {
			return fmt.Errorf("@every duration must be positive: %s", schedule)
		}
	}
	return nil
}
