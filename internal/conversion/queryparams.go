package conversion

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

// queryOptions are the option types that subresources read from the query
// string (kubectl logs, exec, attach, port-forward, proxy).
var queryOptions = []runtime.Object{
	&corev1.PodLogOptions{}, &corev1.PodExecOptions{}, &corev1.PodAttachOptions{},
	&corev1.PodPortForwardOptions{}, &corev1.PodProxyOptions{},
	&corev1.NodeProxyOptions{}, &corev1.ServiceProxyOptions{},
}

// addQueryParamConversions registers url.Values → options conversions for
// queryOptions. Kubernetes generates one function per type; one decoder
// driven by the json tags does the same for the field kinds these types use.
func addQueryParamConversions(s *runtime.Scheme) error {
	for _, obj := range queryOptions {
		err := s.AddConversionFunc((*url.Values)(nil), obj, func(in, out interface{}, _ conversion.Scope) error {
			return DecodeQuery(*in.(*url.Values), out)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

var timeType = reflect.TypeOf(metav1.Time{})

// DecodeQuery sets the fields of the struct out points to from query
// parameters named by the fields' json tags. Repeated parameters fill
// slices; the last one wins for single values. A value that does not parse
// is an error naming the parameter.
func DecodeQuery(values url.Values, out interface{}) error {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("decode query: %T is not a pointer to a struct", out)
	}
	v = v.Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous || name == "" || name == "-" {
			continue
		}
		vals, ok := values[name]
		if !ok || len(vals) == 0 {
			continue
		}
		if err := setField(v.Field(i), vals); err != nil {
			return fmt.Errorf("query parameter %s=%q: %w", name, vals[len(vals)-1], err)
		}
	}
	return nil
}

func setField(f reflect.Value, vals []string) error {
	last := vals[len(vals)-1]
	switch {
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		s := reflect.MakeSlice(f.Type(), 0, len(vals))
		for _, x := range vals {
			s = reflect.Append(s, reflect.ValueOf(x).Convert(f.Type().Elem()))
		}
		f.Set(s)
		return nil
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Int32:
		s := reflect.MakeSlice(f.Type(), 0, len(vals))
		for _, x := range vals {
			n, err := strconv.ParseInt(x, 10, 32)
			if err != nil {
				return err
			}
			s = reflect.Append(s, reflect.ValueOf(int32(n)))
		}
		f.Set(s)
		return nil
	case f.Kind() == reflect.Pointer:
		p := reflect.New(f.Type().Elem())
		if err := setField(p.Elem(), vals); err != nil {
			return err
		}
		f.Set(p)
		return nil
	case f.Type() == timeType:
		var t metav1.Time
		if err := t.UnmarshalQueryParameter(last); err != nil {
			return err
		}
		f.Set(reflect.ValueOf(t))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(last)
	case reflect.Bool:
		// A parameter without a value ("?follow") means true, as Kubernetes reads it.
		if last == "" {
			f.SetBool(true)
			return nil
		}
		b, err := strconv.ParseBool(last)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(last, 10, f.Type().Bits())
		if err != nil {
			return err
		}
		f.SetInt(n)
	default:
		return fmt.Errorf("unsupported field type %s", f.Type())
	}
	return nil
}
