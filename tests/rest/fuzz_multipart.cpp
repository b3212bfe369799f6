// libFuzzer: the multipart/form-data writer's inputs. Fields, names and the file's description come
// from the data (split at 0x01). Either the form refuses them (ok() false) or head and tail are
// well-formed, every delimiter is where it belongs, and the source yields exactly content_length().
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rest/multipart.h"

namespace {

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

std::string drain(kimgate::rest::BodySource& source, bool& failed) {
  std::string out;
  boost::asio::io_context io;
  auto run = [&]() -> kimgate::net::awaitable<void> {
    for (;;) {
      const kimgate::rest::Piece p = co_await source.next();
      if (!p.error.empty()) {
        failed = true;
        co_return;
      }
      if (p.end) {
        co_return;
      }
      out.append(p.data);
    }
  };
  boost::asio::co_spawn(io, run(), boost::asio::detached);
  io.run();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0x01) {
      parts.emplace_back();
    } else {
      parts.back().push_back(static_cast<char>(data[i]));
    }
  }
  while (parts.size() < 5) {
    parts.emplace_back();
  }
  // parts: boundary, file field, file name, file content, then name/value pairs.
  std::vector<kimgate::rest::FormField> fields;
  for (std::size_t i = 4; i + 1 < parts.size(); i += 2) {
    fields.push_back({parts[i], parts[i + 1]});
  }
  const std::string& file = parts[3];
  const kimgate::rest::MultipartForm form(fields, parts[1], parts[2], "application/octet-stream", file.size(),
                                          parts[0]);
  if (!form.ok()) {
    if (form.error().empty()) {
      __builtin_trap();
    }
    return 0;
  }
  const std::string delimiter = "--" + form.boundary();
  if (form.head().rfind(delimiter + "\r\n", 0) != 0 || form.tail() != "\r\n" + delimiter + "--\r\n" ||
      count(form.head(), "\r\n" + delimiter + "\r\n") != fields.size() ||
      form.head().substr(form.head().size() - 4) != "\r\n\r\n") {
    __builtin_trap();
  }
  kimgate::rest::StringSource source(file);
  const auto body = form.source(source);
  bool failed = false;
  const std::string bytes = drain(*body, failed);
  if (failed || bytes.size() != form.content_length() || bytes != form.head() + file + form.tail()) {
    __builtin_trap();
  }
  return 0;
}
