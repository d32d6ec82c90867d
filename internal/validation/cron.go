package validation

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file checks CronJob schedules. It accepts what the Kubernetes
// CronJob controller accepts: the standard five-field cron syntax
// (minute hour day-of-month month day-of-week) with lists, ranges, steps,
// month and weekday names and "?" as a day wildcard, and the descriptors
// @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly and
// @every <duration>. It only checks syntax; it does not compute run times.

type cronField struct {
	name     string
	min, max int
	names    map[string]int
}

var cronFields = []cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: map[string]int{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	}},
	{name: "day of week", min: 0, max: 6, names: map[string]int{
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
	}},
}

var cronDescriptors = map[string]bool{
	"@yearly": true, "@annually": true, "@monthly": true, "@weekly": true,
	"@daily": true, "@midnight": true, "@hourly": true,
}

// parseCronSchedule returns an error describing the first problem found in
// schedule, or nil if it is a valid standard cron expression.
func parseCronSchedule(schedule string) error {
	spec := strings.TrimSpace(schedule)
	if spec == "" {
		return fmt.Errorf("empty spec string")
	}
	if strings.HasPrefix(spec, "@") {
		if strings.HasPrefix(spec, "@every ") {
			d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(spec, "@every ")))
			if err != nil {
				return fmt.Errorf("failed to parse duration %s: %v", spec, err)
			}
			if d <= 0 {
				return fmt.Errorf("@every duration must be positive: %s", spec)
			}
			return nil
		}
		if !cronDescriptors[strings.ToLower(spec)] {
			return fmt.Errorf("unrecognized descriptor: %s", spec)
		}
		return nil
	}
	fields := strings.Fields(spec)
	if len(fields) != len(cronFields) {
		return fmt.Errorf("expected exactly %d fields, found %d: %s", len(cronFields), len(fields), spec)
	}
	for i, f := range fields {
		if err := parseCronField(f, cronFields[i]); err != nil {
			return err
		}
	}
	return nil
}

// parseCronField checks one comma-separated field; each element is "*",
// "?" (day fields only), a value or a range, optionally followed by /step.
func parseCronField(expr string, f cronField) error {
	for _, item := range strings.Split(expr, ",") {
		if item == "" {
			return fmt.Errorf("empty element in %s field: %s", f.name, expr)
		}
		rangePart, stepPart, hasStep := strings.Cut(item, "/")
		if strings.Contains(stepPart, "/") {
			return fmt.Errorf("too many slashes: %s", item)
		}
		var lo, hi int
		switch {
		case rangePart == "*" || (rangePart == "?" && (f.name == "day of month" || f.name == "day of week")):
			lo, hi = f.min, f.max
		default:
			first, last, isRange := strings.Cut(rangePart, "-")
			if strings.Contains(last, "-") {
				return fmt.Errorf("too many hyphens: %s", item)
			}
			var err error
			if lo, err = cronValue(first, f); err != nil {
				return err
			}
			hi = lo
			if isRange {
				if hi, err = cronValue(last, f); err != nil {
					return err
				}
			}
			if lo < f.min {
				return fmt.Errorf("beginning of range (%d) below minimum (%d): %s", lo, f.min, item)
			}
			if hi > f.max {
				return fmt.Errorf("end of range (%d) above maximum (%d): %s", hi, f.max, item)
			}
			if lo > hi {
				return fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", lo, hi, item)
			}
		}
		if hasStep {
			step, err := strconv.Atoi(stepPart)
			if err != nil {
				return fmt.Errorf("failed to parse int from %s: %v", stepPart, err)
			}
			if step <= 0 {
				return fmt.Errorf("step of range should be a positive number: %s", item)
			}
		}
	}
	return nil
}

func cronValue(s string, f cronField) (int, error) {
	if v, ok := f.names[strings.ToLower(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %v", s, err)
	}
	return v, nil
}
