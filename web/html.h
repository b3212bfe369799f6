#pragma once
// The admin page's HTML building blocks: escaping, the page frame with its navigation, the
// error box that shows an op's error and advice, and the one stylesheet. Pure functions.
// The UI speaks German; an op's errors are shown in English when the admin asked (?lang=en).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace kimgate::web {

enum class Lang { de, en };

// Text and attribute values: & < > " ' escaped.
std::string escape(std::string_view text);

// A whole page. `csrf` empty: logged out (no navigation, no logout button).
std::string page(std::string_view title, std::string_view body, std::string_view csrf, Lang lang);

// The hidden CSRF field every form carries.
std::string csrf_field(std::string_view csrf);

// The box with what went wrong and what to do next, from an op's failure answer
// ({"error","error_de","advice","advice_de","http_status"?}); German unless lang is en.
std::string error_box(const nlohmann::json& answer, Lang lang);

// A box with a plain sentence (kind: "ok", "error" or "info").
std::string notice(std::string_view kind, std::string_view text);

// The stylesheet served as /style.css.
std::string_view stylesheet();

// A JSON value as display text (strings unquoted, numbers and booleans as written).
std::string text_of(const nlohmann::json& value);

// object[key] as display text, or `fallback` when the object lacks it (or it is null).
std::string value_or(const nlohmann::json& object, const char* key, const char* fallback = "–");

// Whether an op's answer says {"ok": true}.
bool succeeded(const nlohmann::json& answer);

}  // namespace kimgate::web
