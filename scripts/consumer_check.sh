#!/usr/bin/env bash
# A DJL user's project, outside the reactor: depends on the installed attnzoo-zoo plus the natives
# README "Use from Java" tells them to pick (versions from attnzoo-bom), loads the shipped vit_micro_patch4_32 by Criteria and
# classifies an image. Fails if the zoo needs anything the README does not list, or if its
# runtime class path carries natives (ONNX Runtime, another platform's libtorch) nobody asked for.
#   scripts/consumer_check.sh      (after `mvn -B -ntp verify`; installs the modules, no tests)
# Env: CONSUMER_DIR (work folder, default target/consumer).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
W="$(realpath -m "${CONSUMER_DIR:-$ROOT/target/consumer}")"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) CLASSIFIER=linux-x86_64 ;;
  Linux-aarch64) CLASSIFIER=linux-aarch64 ;;
  Darwin-arm64) CLASSIFIER=osx-aarch64 ;;
  *) echo "consumer_check: no libtorch classifier for $(uname -sm)" >&2; exit 1 ;;
esac
(cd "$ROOT" && mvn -B -q -ntp install -DskipTests -Dspotless.check.skip=true)
# The parent's own version: the first <version> of the root pom.
VERSION=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$ROOT/pom.xml" | head -1)

rm -rf "$W"
mkdir -p "$W/src/demo" "$W/classes"
cat > "$W/pom.xml" << POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>demo</groupId>
  <artifactId>consumer</artifactId>
  <version>1</version>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.attnzoo</groupId>
        <artifactId>attnzoo-bom</artifactId>
        <version>$VERSION</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.attnzoo</groupId>
      <artifactId>attnzoo-zoo</artifactId>
    </dependency>
    <dependency>
      <groupId>ai.djl.pytorch</groupId>
      <artifactId>pytorch-native-cpu</artifactId>
      <classifier>$CLASSIFIER</classifier>
      <scope>runtime</scope>
    </dependency>
  </dependencies>
</project>
POM
cat > "$W/src/demo/Main.java" << 'JAVA'
package demo;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.awt.image.BufferedImage;

public class Main {
  public static void main(String[] args) throws Exception {
    Criteria<Image, Classifications> criteria =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId("org.attnzoo")
            .optArtifactId("vit_micro_patch4_32")
            .optFilter("dataset", "fashion-mnist")
            .build();
    BufferedImage square = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
    square.getGraphics().fillRect(6, 6, 16, 16);
    try (ZooModel<Image, Classifications> model = criteria.loadModel();
        Predictor<Image, Classifications> predictor = model.newPredictor()) {
      System.out.println(predictor.predict(ImageFactory.getInstance().fromImage(square)).best());
    }
  }
}
JAVA
cd "$W"
# Only the dependency plugin: the consumer's own build needs nothing else from Maven.
mvn -B -q -ntp org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$W/lib"
if ls "$W/lib" | grep -E 'onnxruntime|pytorch-native' | grep -v -- "-$CLASSIFIER.jar"; then
  echo "consumer_check: natives the consumer did not choose (above)" >&2
  exit 1
fi
# A library never chooses the application's logging binding or command-line parser.
if ls "$W/lib" | grep -E 'slf4j-simple|picocli|logback|log4j-slf4j'; then
  echo "consumer_check: application-only jars on a library's class path (above)" >&2
  exit 1
fi
javac -d classes -cp "lib/*" src/demo/Main.java
OUT=$(DJL_OFFLINE=true java -cp "classes:lib/*" demo.Main 2> "$W/stderr.txt") ||
  { cat "$W/stderr.txt" >&2; exit 1; }
echo "$OUT" | grep -q '"className"' || { echo "consumer_check: no classification: $OUT" >&2; exit 1; }
echo "consumer_check: OK ($CLASSIFIER, $(du -sh lib | cut -f1) of jars): $OUT"
