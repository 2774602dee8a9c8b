# -DNMT_SANITIZE=<list>: build every nmt target with these sanitizers (GCC or clang), e.g.
#   cmake -S . -B build-asan -DNMT_SANITIZE=address,undefined
# Errors are fatal (-fno-sanitize-recover=all), so a sanitizer finding fails its test.
#
# The SentencePiece plugin (libnmt_spm.so) is never instrumented: it is dlopen()ed with
# RTLD_DEEPBIND, which AddressSanitizer refuses ("incompatible with sanitizer runtime"), so
# under ASan the tests that load it are left out (tests/CMakeLists.txt), and the fuzz target
# that needs it is built without ASan (tests/fuzz/CMakeLists.txt).
set(NMT_SANITIZE "" CACHE STRING "Sanitizers for every nmt target, e.g. address,undefined")

if(NMT_SANITIZE)
  string(REPLACE ";" "," NMT_SANITIZE "${NMT_SANITIZE}")
  message(STATUS "nmt: sanitizers ${NMT_SANITIZE}")
  add_compile_options(-fsanitize=${NMT_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${NMT_SANITIZE})
endif()

# nmt_no_sanitize(<target>): compile and link <target> without any sanitizer.
function(nmt_no_sanitize target)
  if(NMT_SANITIZE)
    target_compile_options(${target} PRIVATE -fno-sanitize=all)
    target_link_options(${target} PRIVATE -fno-sanitize=all)
  endif()
endfunction()
