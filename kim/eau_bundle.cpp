#include "kim/eau_bundle.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>

#include <memory>
#include <pugixml.hpp>

#include "kim/route_text.h"

namespace kimgate::kim {

namespace {

std::string fhir_value(const pugi::xml_node& n) {
  return n ? std::string(n.attribute("value").value()) : std::string();
}

// Every Coverage element below `n` (bounded depth), the first payor IK found.
std::optional<std::string> payor_ik(const pugi::xml_node& n, int depth) {
  if (depth > 24) {
    return std::nullopt;
  }
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) {
      continue;
    }
    if (route_text::local_name(c) == "Coverage") {
      for (pugi::xml_node p = c.first_child(); p; p = p.next_sibling()) {
        if (p.type() != pugi::node_element || route_text::local_name(p) != "payor") {
          continue;
        }
        const pugi::xml_node id = route_text::child_named(p, "identifier");
        if (fhir_value(route_text::child_named(id, "system")) == kIkSystem) {
          const std::string v = fhir_value(route_text::child_named(id, "value"));
          if (!v.empty()) {
            return v;
          }
        }
      }
      continue;
    }
    if (auto found = payor_ik(c, depth + 1)) {
      return found;
    }
  }
  return std::nullopt;
}

bool looks_like_xml(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") {
    s.remove_prefix(3);
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r' || s.front() == '\n' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  return !s.empty() && s.front() == '<';
}

EauBundle from_xml(std::string_view xml, bool was_signed) {
  EauBundle r;
  r.was_signed = was_signed;
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    r.error = std::string("the eAU bundle is not well-formed XML (") + parsed.description() + ")";
    return r;
  }
  r.ik = payor_ik(doc, 0);
  if (!r.ik) {
    r.error = "the eAU bundle has no Coverage with a payor identifier of system " + std::string(kIkSystem);
  }
  return r;
}

}  // namespace

std::optional<std::string> signed_data_content(std::string_view bytes) {
  if (bytes.empty() || bytes.size() > kMaxBundle) {
    return std::nullopt;
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())),
                                                &BIO_free);
  if (!bio) {
    return std::nullopt;
  }
  CMS_ContentInfo* raw = d2i_CMS_bio(bio.get(), nullptr);
  ERR_clear_error();
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(raw, &CMS_ContentInfo_free);
  if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return std::nullopt;
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (content == nullptr || *content == nullptr) {
    return std::nullopt;  // detached
  }
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(*content)),
                     static_cast<std::size_t>(ASN1_STRING_length(*content)));
}

EauBundle read_eau_bundle(std::string_view bytes) {
  if (bytes.size() > kMaxBundle) {
    EauBundle r;
    r.error = "the attachment is larger than 8 MiB; that is no eAU bundle";
    return r;
  }
  if (looks_like_xml(bytes)) {
    return from_xml(bytes, false);
  }
  std::optional<std::string> inner = signed_data_content(bytes);
  // A container signed twice (e.g. by a Komfortsignatur service) holds another SignedData.
  for (int level = 0; inner && !looks_like_xml(*inner) && level < 2; ++level) {
    inner = signed_data_content(*inner);
  }
  if (!inner) {
    EauBundle r;
    r.error = "the attachment is neither FHIR XML nor a CMS SignedData that contains it";
    return r;
  }
  return from_xml(*inner, true);
}

}  // namespace kimgate::kim
