#include "konnektor/soap/xml.h"

#include <sstream>

namespace kimgate::konnektor::soap {

namespace {

std::string_view prefix_of(std::string_view qname) {
  const std::size_t colon = qname.find(':');
  return colon == std::string_view::npos ? std::string_view{} : qname.substr(0, colon);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

std::string_view local_name(const pugi::xml_node& node) {
  const std::string_view name = node.name();
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string namespace_of(const pugi::xml_node& node) {
  const std::string_view prefix = prefix_of(node.name());
  const std::string attr = prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n && n.type() == pugi::node_element; n = n.parent()) {
    if (const pugi::xml_attribute a = n.attribute(attr.c_str())) {
      return a.value();
    }
  }
  return {};
}

bool is(const pugi::xml_node& node, std::string_view ns_uri, std::string_view local) {
  return node.type() == pugi::node_element && local_name(node) == local && namespace_of(node) == ns_uri;
}

std::vector<pugi::xml_node> elements(const pugi::xml_node& parent) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_element) {
      out.push_back(n);
    }
  }
  return out;
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view ns_uri, std::string_view local) {
  for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling()) {
    if (is(n, ns_uri, local)) {
      return n;
    }
  }
  return {};
}

std::vector<pugi::xml_node> children(const pugi::xml_node& parent, std::string_view ns_uri, std::string_view local) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling()) {
    if (is(n, ns_uri, local)) {
      out.push_back(n);
    }
  }
  return out;
}

std::string text_of(const pugi::xml_node& node) {
  std::string_view t = node.text().get();
  while (!t.empty() && is_space(t.front())) {
    t.remove_prefix(1);
  }
  while (!t.empty() && is_space(t.back())) {
    t.remove_suffix(1);
  }
  return std::string(t);
}

Envelope::Envelope() {
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node env = doc.append_child("soap:Envelope");
  declare(env, "soap", ns::soap_env);
  body = env.append_child("soap:Body");
}

std::string Envelope::str() const {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

pugi::xml_node add(pugi::xml_node parent, std::string_view qname, std::string_view text) {
  pugi::xml_node n = parent.append_child(std::string(qname).c_str());
  if (!text.empty()) {
    n.text().set(std::string(text).c_str());
  }
  return n;
}

void declare(pugi::xml_node element, std::string_view prefix, std::string_view uri) {
  const std::string name = prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
  element.append_attribute(name.c_str()) = std::string(uri).c_str();
}

}  // namespace kimgate::konnektor::soap
