#pragma once
// Pure parsers for what a browser sends: application/x-www-form-urlencoded bodies and query
// strings, and the Cookie header. No I/O; bad escapes are kept literally, never an error.
#include <map>
#include <string>
#include <string_view>

namespace kimgate::web {

using Form = std::map<std::string, std::string, std::less<>>;

// "a=1&b=x+y%21" -> {a:"1", b:"x y!"}; the first of repeated names wins; at most 64 fields.
Form parse_form(std::string_view body);

// The path and the query of a request target: "/setup/3?lang=en" -> {"/setup/3", "lang=en"}.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "" when absent.
std::string cookie_value(std::string_view header, std::string_view name);

// The value of `name` in `form`, or "" when absent.
std::string field(const Form& form, std::string_view name);

}  // namespace kimgate::web
