import java.lang.reflect.Field;
import java.net.InetAddress;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local listening on one loopback address only.
 *
 * DynamoDB Local has no option to choose the address it binds: its DynamoDBProxyServer builds a
 * Jetty {@code new Server(port)}, whose connector listens on every interface, and it answers anyone
 * without checking signatures. This builds the server from the usual command-line options, points
 * its (not yet opened) connectors at the loopback address given as {@code -Dpat.bindHost}, then
 * starts it. Telemetry is never configured, so none is sent.
 *
 * It fails closed: if a future DynamoDB Local no longer has the field or the connectors it expects,
 * it exits instead of listening on every interface.
 *
 * Compiled with {@code javac --release 17} against the bundled jars and shipped as a class file,
 * because a Java runtime without a compiler (a JRE) is enough to run local mode.
 */
public final class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("pat.bindHost", "127.0.0.1");
    if (!InetAddress.getByName(host).isLoopbackAddress()) {
      fail("refusing to bind DynamoDB Local to " + host + ": not a loopback address");
    }
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field serverField = DynamoDBProxyServer.class.getDeclaredField("server");
    serverField.setAccessible(true);
    Server server = (Server) serverField.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) fail("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) {
      if (!(connector instanceof AbstractNetworkConnector)) {
        fail("unexpected DynamoDB Local connector " + connector.getClass().getName());
      }
      ((AbstractNetworkConnector) connector).setHost(host);
    }
    proxy.start();
    // start() prints a bind failure (port taken) and returns instead of throwing.
    if (!server.isStarted()) fail("DynamoDB Local did not start");
    System.out.println("DynamoDB Local listening on " + host);
  }

  private static void fail(String message) {
    System.err.println(message);
    System.exit(2);
  }
}
