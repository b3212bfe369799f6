// SpooledBody: memory up to the limit; beyond it, batches written to the sealed spool on the
// worker pool by settle(), all of it after the final settle, in order.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "daemon/smtp_session_state.h"

namespace kimgate::daemon {
namespace {

std::string read_all(const crypto::SealedSpool& spool) {
  std::string out;
  EXPECT_TRUE(spool.read(0, static_cast<std::size_t>(spool.size()), out));
  return out;
}

// Runs body.settle(final) to its end on an io_context, with the pool doing the writes.
bool settle(SpooledBody& body, bool final) {
  net::asio::io_context io;
  bool kept = false;
  auto run = [&]() -> net::awaitable<void> { kept = co_await body.settle(final); };
  net::asio::co_spawn(io, run(), net::asio::detached);
  io.run();
  return kept;
}

class SpooledBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("spooled-body-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  net::asio::thread_pool pool_{1};
};

TEST_F(SpooledBodyTest, SmallMailStaysInMemoryWithoutThePool) {
  SpooledBody body(dir_, 1024, &pool_);
  EXPECT_TRUE(body.append("Subject: x\r\n\r\nbody\r\n"));
  EXPECT_TRUE(settle(body, true));
  EXPECT_FALSE(body.spool.on_disk());
  EXPECT_EQ(read_all(body.spool), "Subject: x\r\n\r\nbody\r\n");
}

TEST_F(SpooledBodyTest, LargeMailGoesToDiskInBatchesAndInOrder) {
  SpooledBody body(dir_, 4096, &pool_);
  std::string want;
  for (int i = 0; i < 3000; ++i) {
    const std::string line = "line " + std::to_string(i) + std::string(200, 'x') + "\r\n";
    want += line;
    ASSERT_TRUE(body.append(line));
    EXPECT_EQ(body.size(), want.size());
    ASSERT_TRUE(settle(body, false));
  }
  // Below a batch nothing is written until the final settle.
  EXPECT_LT(body.spool.size(), want.size());
  ASSERT_TRUE(settle(body, true));
  EXPECT_TRUE(body.spool.on_disk());
  EXPECT_EQ(body.spool.size(), want.size());
  EXPECT_EQ(read_all(body.spool), want);
}

TEST_F(SpooledBodyTest, WithoutAPoolTheSpoolIsWrittenInline) {
  SpooledBody body(dir_, 16, nullptr);
  ASSERT_TRUE(body.append(std::string(100, 'a')));
  EXPECT_EQ(body.spool.size(), 100u);
  EXPECT_TRUE(body.spool.on_disk());
}

TEST_F(SpooledBodyTest, AnUnwritableSpoolDirectoryIsNoStorage) {
  const std::filesystem::path file = dir_ / "a-file";
  std::ofstream(file) << "not a directory";
  SpooledBody body(file / "spool", 16, &pool_);
  ASSERT_TRUE(body.append(std::string(SpooledBody::kBatch + 1, 'a')));
  EXPECT_FALSE(settle(body, true));
}

}  // namespace
}  // namespace kimgate::daemon
