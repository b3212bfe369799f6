// konnektor_sim — the test Konnektor (server.h): serves connector.sds and the SOAP operations
// from the local Konnektor of a kimgate configuration's [[konnektor]] section.
//
//   konnektor_sim --config kimgate.toml --konnektor local --cert srv.pem --key srv.key
//                 [--listen 127.0.0.1:0] [--tls-auth certificate|basic|server_only]
//                 [--client-ca ca.pem] [--basic-user U --basic-password-file F] [--port-file F]
// Prints "listening port=N" and writes N to --port-file once it accepts connections.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "conf/load.h"
#include "tests/konnektor_sim/server.h"

using namespace kimgate;

int main(int argc, char** argv) {
  CLI::App app{"kimgate's test Konnektor"};
  std::string config_path;
  std::string id;
  std::string listen = "127.0.0.1:0";
  std::string auth = "certificate";
  std::string basic_password_file;
  std::string port_file;
  konnektor::sim::ServerOptions options;
  app.add_option("--config", config_path, "kimgate configuration")->required();
  app.add_option("--konnektor", id, "id of a [[konnektor]] with kind = \"local\"")->required();
  app.add_option("--listen", listen, "host:port (port 0: any free port)");
  app.add_option("--cert", options.certificate, "server certificate (PEM)")->required();
  app.add_option("--key", options.key, "server key (PEM)")->required();
  app.add_option("--tls-auth", auth, "certificate | basic | server_only");
  app.add_option("--client-ca", options.client_ca, "CA of acceptable client certificates");
  app.add_option("--basic-user", options.basic_user, "HTTP Basic user");
  app.add_option("--basic-password-file", basic_password_file, "file with the HTTP Basic password");
  app.add_option("--port-file", port_file, "written with the port once listening");
  CLI11_PARSE(app, argc, argv);

  const std::size_t colon = listen.rfind(':');
  options.host = listen.substr(0, colon);
  options.port = static_cast<std::uint16_t>(std::stoi(listen.substr(colon + 1)));
  if (auth == "certificate") {
    options.auth = conf::KonnektorTlsAuth::certificate;
  } else if (auth == "basic") {
    options.auth = conf::KonnektorTlsAuth::basic;
  } else if (auth == "server_only") {
    options.auth = conf::KonnektorTlsAuth::server_only;
  } else {
    std::cerr << "konnektor_sim: --tls-auth must be certificate, basic or server_only\n";
    return 2;
  }
  if (!basic_password_file.empty()) {
    std::ifstream f(basic_password_file);
    std::getline(f, options.basic_password);
  }
  const conf::LoadResult loaded = conf::load_file(config_path);
  if (!loaded.config) {
    for (const auto& e : loaded.errors) {
      std::cerr << e.str() << "\n";
    }
    return 2;
  }
  const conf::Konnektor* k = loaded.config->find_konnektor(id);
  if (k == nullptr || k->kind != conf::KonnektorKind::local) {
    std::cerr << "konnektor_sim: no [[konnektor]] \"" << id << "\" with kind = \"local\" in " << config_path << "\n";
    return 2;
  }
  net::asio::io_context io;
  net::asio::thread_pool pool(2);
  konnektor::LocalKonnektor local(io.get_executor(), pool, *k, loaded.config->timeouts.konnektor,
                                  loaded.config->limits.konnektor_document);
  try {
    konnektor::sim::Server server(io, local, options);
    server.start();
    std::cout << "listening port=" << server.port() << std::endl;
    if (!port_file.empty()) {
      const std::string tmp = port_file + ".tmp";
      std::ofstream(tmp) << server.port() << "\n";
      std::rename(tmp.c_str(), port_file.c_str());
    }
    net::asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "konnektor_sim: " << e.what() << "\n";
    return 1;
  }
  pool.join();
  return 0;
}
