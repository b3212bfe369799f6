#pragma once
// multipart/form-data (RFC 7578) written as a stream: small text fields first, then one file part
// whose bytes come from a BodySource, so the request's total Content-Length is known before any
// byte of the file is read (A_22427-01). The file part carries Content-Type, Content-Length
// (file_size) and Content-Disposition: form-data; name="<file_field>"; filename="<file_name>"
// (AttachmentService.yaml). Lines end with CRLF.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rest/body.h"

namespace kimgate::rest {

struct FormField {
  std::string name;
  std::string value;
};

class MultipartForm {
 public:
  // Fails (ok() false, error() says why) when a name or value holds CR/LF/NUL or a quote in a
  // name, or contains the boundary. An empty boundary draws a random one (48 characters).
  MultipartForm(std::vector<FormField> fields, std::string file_field, std::string file_name, std::string file_type,
                std::uint64_t file_size, std::string boundary = {});

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::string content_type() const;      // multipart/form-data; boundary=...
  std::uint64_t content_length() const;  // head + file_size + tail
  const std::string& head() const { return head_; }
  const std::string& tail() const { return tail_; }
  const std::string& boundary() const { return boundary_; }

  // Yields head, then exactly file_size bytes from `file` (fewer or more: an error piece), then
  // tail. `file` and this form must outlive the source.
  std::unique_ptr<BodySource> source(BodySource& file) const;

 private:
  std::string boundary_;
  std::string head_;
  std::string tail_;
  std::uint64_t file_size_ = 0;
  std::string error_;
};

// A random boundary: 48 characters from [0-9A-Za-z] after a fixed prefix that never occurs in
// base64 or in JSON text.
std::string random_boundary();

}  // namespace kimgate::rest
